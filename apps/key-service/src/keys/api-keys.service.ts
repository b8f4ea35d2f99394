import { Injectable } from '@nestjs/common';
import {
  type Actor,
  ALL_SCOPES,
  AppError,
  type ApiKeyView,
  type CreateKeyBody,
  type CreatedKey,
  createdKeyAnswer,
  createdKeySchema,
  type ExpiringKeysReply,
  type ExpiringKeysRequest,
  ErrorCode,
  GRACE_PERIOD_MS,
  IdPrefix,
  type KeyByIdRequest,
  type ListKeysRequest,
  type Page,
  type KeyRef,
  type Permissions,
  type RotateKeyRequest,
  type RotatedKey,
  rotatedKeyAnswer,
  rotatedKeySchema,
  type HeldIdempotencyKey,
  type UpdateKeyRequest,
  type ValidateKeyReply,
  generateApiKey,
  grantableExpiry,
  requestedKey,
  hashApiKey,
  keyDisplayPrefix,
  keyLast4,
  newId,
} from '@plexmcp/contracts';
import { TransactionRunner, decodeCursor, toPage } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import type { Acting } from '../audit/actor-identity.js';
import { AuditService } from '../audit/audit.service.js';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { IdentityService } from '../identity/identity.service.js';
import { McpsRepository } from '../mcps/mcps.repository.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import {
  effectiveKeyStatus,
  movedExpiry,
  policyVersion,
  resolveExpiry,
  rotatedExpiry,
  toKeyView,
  toValidateReply,
  validUntil,
  validationError,
} from './key-lifecycle.js';

const notFound = () => new AppError(ErrorCode.NotFound, 'API key not found');

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly mcps: McpsRepository,
    private readonly audit: AuditService,
    private readonly tx: TransactionRunner,
    private readonly events: KeyEventsPublisher,
    private readonly authority: ActorAuthority,
    private readonly identity: IdentityService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * The gateway's question on a cache miss: one indexed read, no writes. A hash that is no key's
   * may be a dashboard session's token (see IdentityService), answered the same way.
   */
  async validate(keyHash: string): Promise<ValidateKeyReply> {
    const reply = toValidateReply(await this.keys.findForValidation(keyHash), new Date());
    return reply.status === 'unknown' ? this.identity.validateSession(keyHash) : reply;
  }

  /** Active keys expiring in a window, used or not (the usage-service warns about them). */
  async expiring(request: ExpiringKeysRequest): Promise<ExpiringKeysReply> {
    const cursor = request.cursor && {
      expiresAt: new Date(request.cursor.expires_at),
      id: request.cursor.id,
    };
    const rows = await this.keys.expiring(
      new Date(request.after),
      new Date(request.before),
      cursor,
      request.limit,
    );
    return { keys: rows.map((r) => ({ id: r.id, org_id: r.orgId, expires_at: r.expiresAt.toISOString() })) };
  }

  /**
   * A new key, only within the acting key's own grant (see `coverageGap`). With the request's
   * Idempotency-Key claim (`idempotency`), its HTTP answer is stored in the same transaction (see
   * IdempotencyService.answerWithin): a retry after a lost answer gets this key and its secret,
   * never a second key.
   */
  async create(actor: Actor, body: CreateKeyBody, idempotency?: HeldIdempotencyKey): Promise<CreatedKey> {
    const acting = await this.authority.actingKey(actor);
    const expiresAt = resolveExpiry(body, new Date());
    this.authority.check(acting, actor, {
      kind: 'key.manage',
      key: null,
      next: requestedKey(actor.org_id, body, expiresAt.getTime()),
    });
    const checked = { ...body, expires_at: expiresAt.toISOString() };
    return this.tx.run(async (manager) => {
      const created = await this.insertKey(manager, actor.org_id, actor, checked);
      await this.idempotency.answerWithin(manager, actor.org_id, idempotency, {
        status: 201,
        schema: createdKeySchema,
        reply: created,
        render: createdKeyAnswer,
      });
      return created;
    });
  }

  /** The first key of a new organization: live, every scope, every MCP, 90 days. */
  async createAdminKey(manager: EntityManager, orgId: string): Promise<CreatedKey> {
    return this.insertKey(manager, orgId, null, {
      name: 'Admin key',
      mode: 'live',
      permissions: { mcps: '*' },
      scopes: [...ALL_SCOPES],
      expires_in: '90d',
    });
  }

  /** The organization's keys; a test key sees test keys only. */
  async list(request: ListKeysRequest): Promise<Page<ApiKeyView>> {
    const acting = await this.authority.actingKey(request.actor);
    this.authority.check(acting, request.actor, { kind: 'authenticated' });
    const mode = acting?.policy?.mode === 'test' ? 'test' : undefined;
    const after = decodeCursor(request.page.cursor);
    const { tag, metadata, created_by } = request.filter ?? {};
    const rows = await this.keys.listByOrg(request.actor.org_id, after, request.page.limit, {
      mode,
      tag,
      metadata,
      createdBy: created_by,
    });
    const now = new Date();
    return toPage(rows, request.page.limit, (row) => toKeyView(row, now));
  }

  async get(request: KeyByIdRequest): Promise<ApiKeyView> {
    const acting = await this.authority.actingKey(request.actor);
    const key = await this.keys.findInOrg(request.actor.org_id, request.id);
    if (!key) throw notFound();
    this.authority.check(acting, request.actor, {
      kind: 'key.read',
      key: { org_id: key.orgId, mode: key.mode },
    });
    return toKeyView(key, new Date());
  }

  /** Changes a key the acting key covers, into a key it still covers (its own limits included). */
  async update({ actor, id, body }: UpdateKeyRequest): Promise<ApiKeyView> {
    const acting = await this.authority.actingKey(actor);
    const key = await this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.keys.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      const now = new Date();
      const before = keyRef(current);
      const expiresAt =
        body.expires_at === undefined ? undefined : movedExpiry(current, body.expires_at, now);
      this.authority.check(acting, actor, {
        kind: 'key.manage',
        key: before,
        next: {
          ...before,
          expires_at:
            expiresAt === undefined
              ? before.expires_at
              : validUntil({ expiresAt, graceEndsAt: current.graceEndsAt }).toISOString(),
          permissions: body.permissions ?? before.permissions,
          scopes: body.scopes ?? before.scopes,
          rate_limit: body.rate_limit === undefined ? before.rate_limit : body.rate_limit,
          usage_limit: body.usage_limit === undefined ? before.usage_limit : body.usage_limit,
          key_ip_allowlist: body.ip_allowlist === undefined ? before.key_ip_allowlist : body.ip_allowlist,
        },
      });
      const state = effectiveKeyStatus(current, now);
      // A disabled key may be changed (re-enabled among others); a revoked or expired one never.
      if (state !== 'active' && state !== 'disabled')
        throw new AppError(ErrorCode.Conflict, `A ${state} key cannot be changed`);
      const patch: Partial<ApiKeyEntity> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.permissions !== undefined) patch.permissions = body.permissions;
      if (body.scopes !== undefined) patch.scopes = dedupe(body.scopes);
      if (body.rate_limit !== undefined) patch.rateLimit = body.rate_limit;
      if (body.usage_limit !== undefined) patch.usageLimit = body.usage_limit;
      if (body.metadata !== undefined) patch.metadata = body.metadata;
      if (body.tags !== undefined) patch.tags = dedupe(body.tags);
      if (body.ip_allowlist !== undefined) patch.ipAllowlist = body.ip_allowlist;
      if (body.status !== undefined) patch.status = body.status;
      if (expiresAt !== undefined) patch.expiresAt = expiresAt;
      const updated = await this.keys.update(manager, current, patch, now);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'key.updated',
        targetType: 'api_key',
        targetId: id,
        metadata: { fields: Object.keys(body) },
      });
      const orgVersion = await this.keys.orgVersion(manager, actor.org_id);
      afterCommit(() =>
        this.events.publish({
          type: 'key.updated',
          key_id: updated.id,
          key_hash: updated.keyHash,
          org_id: updated.orgId,
          version: policyVersion(updated.version, orgVersion),
        }),
      );
      return updated;
    });
    return toKeyView(key, new Date());
  }

  /**
   * Revokes at once. Every live gateway has evicted the key before this returns. Revoking a
   * revoked key changes nothing but announces the revocation again (safe to retry).
   */
  async revoke({ actor, id }: KeyByIdRequest, reason: 'revoked' | 'leaked' = 'revoked'): Promise<ApiKeyView> {
    const acting = await this.authority.actingKey(actor);
    const key = await this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.keys.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      this.authority.check(acting, actor, { kind: 'key.manage', key: keyRef(current), next: null });
      const orgVersion = await this.keys.orgVersion(manager, actor.org_id);
      const announced = (key: ApiKeyEntity): ApiKeyEntity => {
        afterCommit(() =>
          this.events.publish({
            type: 'key.revoked',
            key_id: key.id,
            key_hash: key.keyHash,
            org_id: key.orgId,
            version: policyVersion(key.version, orgVersion),
          }),
        );
        return key;
      };
      if (current.status === 'revoked') return announced(current);
      const now = new Date();
      const revoked = await this.keys.update(
        manager,
        current,
        { status: 'revoked', revokedAt: now, graceEndsAt: null },
        now,
      );
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: id,
        metadata: { reason },
      });
      return announced(revoked);
    });
    return toKeyView(key, new Date());
  }

  /**
   * A new key with the old one's name, mode, permissions, scopes and limits, and its lifetime —
   * capped at one year and, unless the acting key is an organization admin key, at the acting
   * key's own expiry (rotation replaces a secret; it never extends a key past its caller). The old
   * key keeps working for the grace period (never beyond its own expiry) and is then revoked by
   * the sweeper; with no grace period it is revoked now. Its Idempotency-Key claim is answered as
   * `create`'s is.
   */
  async rotate({ actor, id, body, idempotency }: RotateKeyRequest): Promise<RotatedKey> {
    const acting = await this.authority.actingKey(actor);
    return this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.keys.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      const now = new Date();
      const cap = acting?.policy ? grantableExpiry(acting.policy, now.getTime()) : Infinity;
      const expiresAt = new Date(Math.min(rotatedExpiry(current, now).getTime(), cap));
      const before = keyRef(current);
      this.authority.check(acting, actor, {
        kind: 'key.manage',
        key: before,
        next: { ...before, expires_at: expiresAt.toISOString() },
      });
      const state = effectiveKeyStatus(current, now);
      if (state !== 'active') throw new AppError(ErrorCode.Conflict, `A ${state} key cannot be rotated`);
      if (current.rotatedTo) throw new AppError(ErrorCode.Conflict, 'This key has already been rotated');

      const created = await this.insertKey(
        manager,
        actor.org_id,
        actor,
        {
          name: current.name,
          mode: current.mode,
          permissions: current.permissions,
          scopes: current.scopes,
          rate_limit: current.rateLimit,
          usage_limit: current.usageLimit,
          expires_at: expiresAt.toISOString(),
          metadata: current.metadata,
          tags: current.tags,
          ip_allowlist: current.ipAllowlist,
        },
        { rotated_from: current.id },
      );
      const graceMs = GRACE_PERIOD_MS[body.grace_period];
      const graceEndsAt = new Date(Math.min(now.getTime() + graceMs, current.expiresAt.getTime()));
      const previous = await this.keys.update(
        manager,
        current,
        graceMs === 0
          ? { status: 'revoked', revokedAt: now, rotatedTo: created.key.id }
          : { graceEndsAt, rotatedTo: created.key.id },
        now,
      );
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'key.rotated',
        targetType: 'api_key',
        targetId: current.id,
        metadata: {
          new_key_id: created.key.id,
          grace_period: body.grace_period,
          grace_ends_at: graceMs === 0 ? null : graceEndsAt.toISOString(),
        },
      });
      if (graceMs === 0) {
        await this.audit.record(manager, {
          orgId: actor.org_id,
          actor,
          action: 'key.revoked',
          targetType: 'api_key',
          targetId: current.id,
          metadata: { reason: 'rotated' },
        });
      }
      const orgVersion = await this.keys.orgVersion(manager, actor.org_id);
      afterCommit(() =>
        this.events.publish({
          type: 'key.rotated',
          key_id: previous.id,
          key_hash: previous.keyHash,
          org_id: previous.orgId,
          version: policyVersion(previous.version, orgVersion),
          new_key_id: created.key.id,
        }),
      );
      const rotated: RotatedKey = {
        key: created.key,
        secret: created.secret,
        previous: toKeyView(previous, now),
      };
      await this.idempotency.answerWithin(manager, actor.org_id, idempotency, {
        status: 201,
        schema: rotatedKeySchema,
        reply: rotated,
        render: rotatedKeyAnswer,
      });
      return rotated;
    });
  }

  private async insertKey(
    manager: EntityManager,
    orgId: string,
    actor: Acting | null,
    body: CreateKeyBody,
    auditMetadata: Record<string, unknown> = {},
  ): Promise<CreatedKey> {
    const now = new Date();
    const expiresAt = resolveExpiry(body, now);
    await this.assertMcpsExist(manager, orgId, body.permissions);
    const secret = generateApiKey(body.mode);
    const creator = await this.audit.identify(manager, actor);
    const entity: Omit<ApiKeyEntity, 'version'> = {
      id: newId(IdPrefix.Key),
      orgId,
      name: body.name,
      mode: body.mode,
      keyHash: hashApiKey(secret),
      prefix: keyDisplayPrefix(secret),
      last4: keyLast4(secret),
      permissions: body.permissions,
      scopes: dedupe(body.scopes),
      rateLimit: body.rate_limit ?? null,
      usageLimit: body.usage_limit ?? null,
      metadata: body.metadata ?? {},
      tags: dedupe(body.tags ?? []),
      ipAllowlist: body.ip_allowlist ?? null,
      status: 'active',
      expiresAt,
      graceEndsAt: null,
      rotatedTo: null,
      revokedAt: null,
      lastUsedAt: null,
      createdByType: creator.type,
      createdById: creator.id,
      createdByDisplay: creator.display,
      createdAt: now,
      updatedAt: now,
    };
    await this.keys.insert(manager, entity);
    await this.audit.record(manager, {
      orgId,
      actor,
      who: creator,
      action: 'key.created',
      targetType: 'api_key',
      targetId: entity.id,
      metadata: {
        name: entity.name,
        mode: entity.mode,
        expires_at: expiresAt.toISOString(),
        ...auditMetadata,
      },
    });
    return { key: toKeyView(entity, now), secret };
  }

  /** A listed MCP must be one of the organization's own. */
  private async assertMcpsExist(
    manager: EntityManager,
    orgId: string,
    permissions: Permissions,
  ): Promise<void> {
    if (permissions.mcps === '*') return;
    const existing = await this.mcps.existingIds(orgId, permissions.mcps, manager);
    const index = permissions.mcps.findIndex((id) => !existing.has(id));
    if (index >= 0)
      throw validationError(`body.permissions.mcps.${index}`, 'no such MCP in this organization');
  }
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The grant of a stored key as the authorization rule reads it (until its grace period ends). */
function keyRef(key: ApiKeyEntity): KeyRef {
  return {
    org_id: key.orgId,
    mode: key.mode,
    permissions: key.permissions,
    scopes: key.scopes,
    rate_limit: key.rateLimit,
    usage_limit: key.usageLimit,
    expires_at: validUntil(key).toISOString(),
    key_ip_allowlist: key.ipAllowlist,
  };
}
