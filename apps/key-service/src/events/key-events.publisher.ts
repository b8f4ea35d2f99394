import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AppError,
  ErrorCode,
  type KeyEvent,
  Subjects,
  eventAckSchema,
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
};

/**
 * Publishes cache-eviction events so every gateway forgets a changed key, organization or MCP
 * before the change is acknowledged to the caller. With live gateways the event is a scatter
 * request that returns once each of them acknowledged (or after the ack timeout); with none it is
 * published and flushed, so the broker has it before we reply.
 */
@Injectable()
export class KeyEventsPublisher implements OnApplicationBootstrap {
  private readonly ackTimeoutMs: number;

  constructor(
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: KeyServiceConfig,
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
      handle: (beat) => this.gateways.heartbeat(beat.instance_id, beat.ttl_ms),
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
    const expected = this.gateways.live().length;
    if (expected === 0) {
      this.nc.publish(subject, payload);
      return;
    }
    let acks = 0;
    try {
      const replies = await this.nc.requestMany(subject, payload, {
        strategy: 'count',
        maxMessages: expected,
        maxWait: this.ackTimeoutMs,
      });
      for await (const reply of replies) {
        if (reply.data.length === 0) continue; // a status message, not an ack
        try {
          if (eventAckSchema.safeParse(reply.json()).success) acks++;
        } catch {
          // not JSON: not an ack
        }
      }
    } catch (err) {
      // "no responders" (every gateway gone since its last heartbeat) still published the event.
      this.logger.warn({ err: (err as Error).message, subject }, 'key event gathering ended early');
    }
    if (acks < expected) {
      this.logger.warn(
        { subject, expected, acks },
        'not every live gateway acknowledged a key event in time',
      );
    }
  }
}
