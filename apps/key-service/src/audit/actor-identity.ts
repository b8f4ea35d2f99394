import { Injectable } from '@nestjs/common';
import type { Actor, ActorRef } from '@plexmcp/contracts';
import { Tables } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';

/** The part of a caller that says who it is: a key, a person (their session), or neither (the system). */
export type Acting = Pick<Actor, 'key_id' | 'ip' | 'session_id'>;

export const SYSTEM_ACTOR: ActorRef = Object.freeze({ type: 'system', id: null, display: 'system' });

/** How a key is shown wherever it is named: its name and its non-secret prefix and last 4. */
export function keyDisplay(key: { name: string; prefix: string; last4: string }): string {
  return `${key.name} (${key.prefix}…${key.last4})`;
}

/**
 * Names the caller of a change as the audit log and a key's `created_by` record it: a person by
 * email (through the session they act in), a key by name and prefix, read inside the change's own
 * transaction; the system when there is neither.
 */
@Injectable()
export class ActorIdentity {
  constructor(private readonly tables: Tables) {}

  async of(manager: EntityManager, actor: Acting | null): Promise<ActorRef> {
    if (actor?.session_id) {
      const [user] = await manager.query<{ id: string; email: string }[]>(
        `SELECT u.id, u.email FROM ${this.tables.name('sessions')} s
           JOIN ${this.tables.name('users')} u ON u.id = s.user_id
          WHERE s.id = $1`,
        [actor.session_id],
      );
      // A session is only ever named after the authority admitted it: it exists.
      if (user) return { type: 'user', id: user.id, display: user.email };
    }
    if (actor?.key_id) {
      const [key] = await manager.query<{ name: string; prefix: string; last4: string }[]>(
        `SELECT name, prefix, last4 FROM ${this.tables.name('api_keys')} WHERE id = $1`,
        [actor.key_id],
      );
      return { type: 'key', id: actor.key_id, display: key ? keyDisplay(key) : actor.key_id };
    }
    return SYSTEM_ACTOR;
  }
}
