import { Injectable } from '@nestjs/common';

/**
 * The gateway instances currently alive, learned from their heartbeats. A change event waits for
 * an acknowledgement from each of them, so it must know how many there are.
 */
@Injectable()
export class GatewayRegistry {
  private readonly expiries = new Map<string, number>();

  heartbeat(instanceId: string, ttlMs: number, now = Date.now()): void {
    this.expiries.set(instanceId, now + ttlMs);
  }

  /** Whether `instanceId`'s last heartbeat is still within its TTL. */
  isLive(instanceId: string, now = Date.now()): boolean {
    return (this.expiries.get(instanceId) ?? 0) > now;
  }

  /** Live instance ids; instances whose heartbeat lapsed are forgotten. */
  live(now = Date.now()): string[] {
    const ids: string[] = [];
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt <= now) this.expiries.delete(id);
      else ids.push(id);
    }
    return ids;
  }
}
