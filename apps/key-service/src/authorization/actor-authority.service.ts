import { Inject, Injectable } from '@nestjs/common';
import {
  type Actor,
  type DecisionTarget,
  type KeyPolicy,
  type ValidateKeyReply,
  decide,
  refusalError,
} from '@plexmcp/contracts';
import { schemaOf } from '@plexmcp/service-kit';
import { DataSource } from 'typeorm';
import { actingKeySql, toValidationRow } from '../keys/api-keys.repository.js';
import { toValidateReply } from '../keys/key-lifecycle.js';
import { IdentityService } from '../identity/identity.service.js';

/**
 * The caller of a management RPC as the key-service itself knows it: the acting key's current
 * state and grant, read from the database — not what a gateway believed. `null` stands for an
 * internal caller with no key (the operator CLI), which acts for the organization it names.
 */
export type ActingKey = ValidateKeyReply | null;

/**
 * The key-service side of the authorization boundary. Every RPC that names an acting key is
 * decided here with the same `decide()` the gateway runs on its fast path, so a NATS caller that
 * bypasses the gateway is held to the same rule: the acting key must be valid and allowed (org,
 * IP allowlist) and its grant must cover the target.
 */
@Injectable()
export class ActorAuthority {
  private readonly sql: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly identity: IdentityService,
  ) {
    this.sql = actingKeySql(schemaOf(dataSource));
  }

  /**
   * The acting key's current state — or the acting person's session, whose grant is their role's
   * — or null for an internal caller (neither).
   */
  async actingKey(actor: Actor): Promise<ActingKey> {
    if (actor.session_id !== undefined && actor.session_id !== null) {
      return this.identity.actingSession(actor.session_id, actor.org_id);
    }
    if (actor.key_id === null) return null;
    const rows = await this.dataSource.query<Record<string, unknown>[]>(this.sql, [
      actor.key_id,
      actor.org_id,
    ]);
    return toValidateReply(rows[0] === undefined ? null : toValidationRow(rows[0]), new Date());
  }

  /** Throws the refusal (401/403/404) unless the acting key may act on `target`. */
  check(acting: ActingKey, actor: Actor, target: DecisionTarget, now = Date.now()): void {
    if (acting === null) return;
    const verdict = decide({
      status: acting.status,
      policy: acting.policy,
      target,
      clientIp: actor.ip,
      now,
    });
    if (!verdict.allow) throw refusalError(verdict);
  }

  /** Loads the acting key and checks it in one step; answers its policy (null: internal caller). */
  async authorize(actor: Actor, target: DecisionTarget): Promise<KeyPolicy | null> {
    const acting = await this.actingKey(actor);
    this.check(acting, actor, target);
    return acting?.policy ?? null;
  }
}
