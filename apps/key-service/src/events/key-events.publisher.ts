import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  AppError,
  ErrorCode,
  type KeyEvent,
  Subjects,
  eventAckSchema,
  type GatewayHeartbeatAck,
  gatewayHeartbeatSchema,
} from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { KEY_SERVICE_CONFIG, type KeyServiceConfig } from '../config.js';
import { APP_LOGGER } from '../logger.token.js';
import { GatewayRegistry } from './gateway-registry.js';

/** The raw NATS connection used for fan-out events and heartbeats (not the RPC transport). */
export const EVENTS_NATS = Symbol('EVENTS_NATS');

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
export class KeyEventsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EVENTS_NATS) private readonly nc: NatsConnection,
    @Inject(KEY_SERVICE_CONFIG) private readonly config: KeyServiceConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly gateways: GatewayRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.nc.subscribe(Subjects.gateway.heartbeat, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const beat = gatewayHeartbeatSchema.safeParse(msg.json());
          if (!beat.success) return;
          this.gateways.heartbeat(beat.data.instance_id, beat.data.ttl_ms);
          if (msg.reply) {
            const ack: GatewayHeartbeatAck = { instance_id: beat.data.instance_id };
            msg.respond(JSON.stringify(ack));
          }
        } catch {
          // Not JSON: ignore, heartbeats are best effort.
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }

  /** Resolves once the event reached the broker and every live gateway acknowledged it. */
  async publish(event: KeyEvent): Promise<void> {
    await this.publishAll([event]);
  }

  async publishAll(events: readonly KeyEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await Promise.all(events.map((event) => this.send(event)));
      await withTimeout(this.nc.flush(), Math.max(1_000, this.config.eventAckTimeoutMs * 4));
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, events: events.map((e) => e.type) },
        'could not publish key event',
      );
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        'The change was saved but gateways could not be notified; retry',
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
    const deadline = Date.now() + this.config.eventDeliveryTimeoutMs;
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
        maxWait: this.config.eventAckTimeoutMs,
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
      await new Promise((resolve) => setTimeout(resolve, this.config.eventAckTimeoutMs));
    }
    return acked;
  }
}
