import { type EventAck, Subjects, keyEventSchema } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { KeyDecisionCache } from '../auth/key-decision-cache.js';
import type { McpRouteCache } from '../mcps/mcp-route-cache.js';

/**
 * Listens to `keys.events.>` and evicts at once. When the event is a request (a revoke gathering
 * acknowledgements from every gateway), the acknowledgement is sent only AFTER the eviction, so the
 * key-service's revoke call returns only once this instance can no longer accept the key. An event
 * that cannot be understood drops the whole cache: unsure means fail closed.
 */
export class KeyEventsSubscriber {
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly instanceId: string,
    private readonly keys: KeyDecisionCache,
    private readonly mcps: McpRouteCache,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscription = this.nc.subscribe(Subjects.keyEvents.wildcard, {
      callback: (err, msg) => {
        if (err) return;
        const evicted = this.handle(msg.data);
        if (msg.reply) {
          const ack: EventAck = { instance_id: this.instanceId, evicted };
          msg.respond(JSON.stringify(ack));
        }
      },
    });
  }

  close(): void {
    this.subscription?.unsubscribe();
  }

  /** Applies one event; returns whether the cache reflects it (always true: unknown → clear). */
  handle(data: Uint8Array): boolean {
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(data));
    } catch {
      payload = undefined;
    }
    const parsed = keyEventSchema.safeParse(payload);
    if (!parsed.success) {
      this.logger.warn('key event did not match its contract: dropping the whole cache');
      this.keys.clear('invalid_event');
      this.mcps.clear();
      return true;
    }
    const event = parsed.data;
    switch (event.type) {
      case 'key.revoked':
      case 'key.updated':
      case 'key.rotated':
      case 'key.expired':
        this.keys.evictKey(event.key_hash);
        break;
      case 'org.updated':
        this.keys.evictOrganization(event.org_id);
        break;
      case 'mcp.updated':
        this.mcps.evict(event.mcp_id);
        break;
    }
    return true;
  }
}
