import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AppError,
  ErrorCode,
  type KeyEvent,
  Subjects,
  eventAckSchema,
  type GatewayHeartbeatAck,
  gatewayHeartbeatSchema,
} from '@plexmcp/contracts';
import {
  type NatsConnection,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
  SERVICE_NATS,
  ServiceShutdown,
  runSubscription,
} from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { KeyServiceConfig } from '../config.js';
import { GatewayRegistry } from './gateway-registry.js';

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from NATS within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const SUBJECT_BY_TYPE: Readonly<Record<KeyEvent['type'], string>> = {
  'key.revoked': Subjects.keyEvents.revoked,
  'key.updated': Subjects.keyEvents.updated,
  'key.rotated': Subjects.keyEvents.rotated,
  'key.expired': Subjects.keyEvents.expired,
  'org.updated': Subjects.keyEvents.orgUpdated,
  'mcp.updated': Subjects.keyEvents.mcpUpdated,
  'sessions.revoked': Subjects.keyEvents.sessionsRevoked,
};

/**
 * Publishes cache-eviction events so every gateway forgets a changed key, organization or MCP
 * before the change is acknowledged to the caller. With live gateways the event is a scatter
 * request, sent again every ack timeout, that returns once each gateway that was live either
 * acknowledged it or let its heartbeat lapse — a gateway whose heartbeats go unanswered that long
 * has stopped trusting its cached decisions by itself (see the gateway's heartbeat publisher). So
 * success means "every gateway evicted, or no longer trusts its cache". A gateway that keeps
 * heartbeating without acknowledging is waited for up to KEY_EVENT_DELIVERY_TIMEOUT_MS, then the
 * change fails with 503 (saved, not confirmed). With no live gateway the event is published and
 * flushed, so the broker has it before we reply.
 */
@Injectable()
export class KeyEventsPublisher implements OnApplicationBootstrap {
  private readonly ackTimeoutMs: number;

  constructor(
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: KeyServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown,
    private readonly gateways: GatewayRegistry,
  ) {
    this.ackTimeoutMs = config.KEY_EVENT_ACK_TIMEOUT_MS;
  }

  onApplicationBootstrap(): void {
    runSubscription(this.shutdown, this.nc, {
      subject: Subjects.gateway.heartbeat,
      schema: gatewayHeartbeatSchema,
      logger: this.logger,
      handle: (beat, msg) => {
        this.gateways.heartbeat(beat.instance_id, beat.ttl_ms);
        // A heartbeat sent as a request learns that a key-service counted it (see the gateway).
        if (msg.reply) {
          const ack: GatewayHeartbeatAck = { instance_id: beat.instance_id };
          msg.respond(JSON.stringify(ack));
        }
      },
    });
  }

  /** Resolves once the event reached the broker and every live gateway acknowledged it. */
  async publish(event: KeyEvent): Promise<void> {
    await this.publishAll([event]);
  }

  async publishAll(events: readonly KeyEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await Promise.all(events.map((event) => this.send(event)));
      await withTimeout(this.nc.flush(), Math.max(1_000, this.ackTimeoutMs * 4));
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, events: events.map((e) => e.type) },
        'could not publish key event',
      );
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        'The change was saved but gateways could not be notified; retry',
        { cause: err },
      );
    }
  }

  private async send(event: KeyEvent): Promise<void> {
    const subject = SUBJECT_BY_TYPE[event.type];
    const payload = JSON.stringify(event);
    const pending = new Set(this.gateways.live());
    if (pending.size === 0) {
      this.nc.publish(subject, payload);
      return;
    }
    const deadline = Date.now() + this.config.KEY_EVENT_DELIVERY_TIMEOUT_MS;
    for (let round = 0; ; round++) {
      for (const id of await this.gatherAcks(subject, payload)) pending.delete(id);
      for (const id of pending) if (!this.gateways.isLive(id)) pending.delete(id);
      if (pending.size === 0) return;
      if (round === 0) {
        this.logger.warn(
          { subject, missing: [...pending] },
          'waiting for gateways to acknowledge a key event or let their heartbeat lapse',
        );
      }
      if (Date.now() >= deadline) {
        throw new Error(`gateways ${[...pending].join(', ')} neither acknowledged nor lapsed`);
      }
    }
  }

  /** Sends the event to every gateway once and returns who acknowledged it within the ack timeout. */
  private async gatherAcks(subject: string, payload: string): Promise<string[]> {
    const acked: string[] = [];
    try {
      const replies = await this.nc.requestMany(subject, payload, {
        strategy: 'count',
        maxMessages: this.gateways.live().length,
        maxWait: this.ackTimeoutMs,
      });
      for await (const reply of replies) {
        if (reply.data.length === 0) continue; // a status message, not an ack
        try {
          const ack = eventAckSchema.safeParse(reply.json());
          if (ack.success) acked.push(ack.data.instance_id);
        } catch {
          // not JSON: not an ack
        }
      }
    } catch (err) {
      // "no responders": every gateway is gone since its last heartbeat; the event was published.
      this.logger.warn({ err: (err as Error).message, subject }, 'key event gathering ended early');
      await new Promise((resolve) => setTimeout(resolve, this.ackTimeoutMs));
    }
    return acked;
  }
}
