import type { Msg } from '@nats-io/transport-node';
import { type EventAck, type KeyEvent, Subjects, keyEventSchema } from '@plexmcp/contracts';
import { type JsonSubscription, type NatsConnection, subscribeJson } from '@plexmcp/service-kit';
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
  private subscription: JsonSubscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly instanceId: string,
    private readonly keys: KeyDecisionCache,
    private readonly mcps: McpRouteCache,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscription = subscribeJson(this.nc, {
      subject: Subjects.keyEvents.wildcard,
      schema: keyEventSchema,
      logger: this.logger,
      handle: (event, msg) => {
        this.apply(event);
        this.acknowledge(msg);
      },
      onInvalid: (msg) => {
        this.logger.warn('dropping the whole cache after a key event it could not understand');
        this.keys.clear('invalid_event');
        this.mcps.clear();
        this.acknowledge(msg);
      },
    });
  }

  /** Stops listening once the events already delivered are applied. */
  async close(): Promise<void> {
    await this.subscription?.close();
  }

  private apply(event: KeyEvent): void {
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
      case 'sessions.revoked':
        // A dashboard session is cached by its token's hash, like a key.
        for (const hash of event.session_hashes) this.keys.evictKey(hash);
        break;
    }
  }

  /** The cache reflects the event (an unknown one cleared it): tell a revoke that is waiting. */
  private acknowledge(msg: Msg): void {
    if (!msg.reply) return;
    const ack: EventAck = { instance_id: this.instanceId, evicted: true };
    msg.respond(JSON.stringify(ack));
  }
}
