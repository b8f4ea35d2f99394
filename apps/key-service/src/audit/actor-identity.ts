import { Injectable } from '@nestjs/common';
import type { Actor, ActorRef } from '@plexmcp/contracts';
import { Tables } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';

/** The part of a caller that says who it is: a key, a person, or neither (the system). */
export type Acting = Pick<Actor, 'key_id' | 'ip'> & { user_id?: string | null | undefined };

export const SYSTEM_ACTOR: ActorRef = Object.freeze({ type: 'system', id: null, display: 'system' });

/** How a key is shown wherever it is named: its name and its non-secret prefix and last 4. */
export function keyDisplay(key: { name: string; prefix: string; last4: string }): string {
  return `${key.name} (${key.prefix}…${key.last4})`;
}

/**
 * Names the caller of a change as the audit log and a key's `created_by` record it: a person by
 * email, a key by name and prefix, read inside the change's own transaction. A person wins over a
 * key (a session may act through one), the system when there is neither.
 */
@Injectable()
export class ActorIdentity {
  constructor(private readonly tables: Tables) {}

  async of(manager: EntityManager, actor: Acting | null): Promise<ActorRef> {
    if (actor?.user_id) {
      const [user] = await manager.query<{ email: string }[]>(
        `SELECT email FROM ${this.tables.name('users')} WHERE id = $1`,
        [actor.user_id],
      );
      return { type: 'user', id: actor.user_id, display: user?.email ?? actor.user_id };
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
