import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type OutboundAddressPolicy, urlHost } from '@plexmcp/contracts';
import {
  PeriodicTask,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
  ServiceShutdown,
  assertConnectHostAllowed,
  guardedLookup,
} from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import { METRICS } from '../tokens.js';
import type { UsageMetrics } from '../usage-metrics.js';
import { webhookAddressPolicy } from './webhook-address-policy.js';
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { signWebhook } from './webhook-signature.js';
import { type ClaimedDelivery, WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Delay before retry number `retry` (1-based) with ±jitter, or null when the schedule is exhausted. */
export function retryDelayMs(
  schedule: readonly number[],
  retry: number,
  jitter: number,
  random = Math.random,
): number | null {
  const base = schedule[retry - 1];
  if (base === undefined) return null;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Sends due webhook deliveries. Deliveries live in Postgres, so they survive restarts; every
 * instance polls, claiming rows under a lease. Each attempt is recorded; failures are retried on
 * the configured schedule (with jitter); a delivery that exhausts it disables its endpoint, and a
 * 410 Gone disables the endpoint at once.
 *
 * Endpoints are served independently: up to WEBHOOK_CONCURRENCY attempts run at once, each to a
 * different endpoint (an endpoint with an attempt under lease, in any instance, is not claimed
 * again until it ends), and a slot is refilled as soon as its attempt ends. Every attempt has a
 * total deadline of WEBHOOK_TIMEOUT_MS, so a slow or dripping receiver holds one slot for at most
 * that long and never delays deliveries to other endpoints.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap {
  /** The claim loop: every WEBHOOK_POLL_MS, and at once when kicked (a kick while it runs queues one more pass). */
  private readonly poll: PeriodicTask;
  private stopped = false;
  /** Attempts in flight, by delivery id (the claim gives each endpoint at most one). */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly addresses: OutboundAddressPolicy;

  constructor(
    private readonly repository: WebhooksRepository,
    webhooks: WebhooksService,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly secrets: WebhookSecretCipher,
    @Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown,
    @Inject(METRICS) private readonly metrics: UsageMetrics,
  ) {
    this.addresses = webhookAddressPolicy(config);
    this.poll = new PeriodicTask({
      name: 'webhook dispatch',
      intervalMs: config.WEBHOOK_POLL_MS,
      runOnStart: true,
      logger,
      run: () => this.claim(),
    });
    webhooks.onEnqueued(() => this.kick());
  }

  onApplicationBootstrap(): void {
    this.poll.start();
    this.shutdown.add('stop tasks', 'webhook dispatch', async () => {
      this.stopped = true;
      await this.poll.stop();
      // Each attempt ends by its deadline.
      await Promise.all(this.inFlight.values());
    });
  }

  kick(): void {
    this.poll.trigger();
  }

  /** Fills the free slots with due deliveries; returns once nothing more is due or no slot is free. */
  private async claim(): Promise<void> {
    for (;;) {
      const free = this.config.WEBHOOK_CONCURRENCY - this.inFlight.size;
      if (this.stopped || free <= 0) return;
      const claimed = await this.repository.claimDue(free, this.config.WEBHOOK_TIMEOUT_MS + 30_000);
      for (const delivery of claimed) this.start(delivery);
      if (claimed.length < free) return;
    }
  }

  private start(delivery: ClaimedDelivery): void {
    const attempt = this.deliver(delivery)
      .catch((err: unknown) => {
        // The lease runs out and the delivery is claimed again.
        this.logger.warn({ err, delivery_id: delivery.id }, 'webhook attempt could not be recorded');
      })
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.kick();
      });
    this.inFlight.set(delivery.id, attempt);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const isTest = delivery.event_type === 'webhook.test';
    const attempt = delivery.attempt_count + 1;
    const attemptedAt = new Date();
    const result =
      delivery.webhook_status === 'enabled' || isTest
        ? await this.send(delivery)
        : { statusCode: null, error: 'endpoint disabled', durationMs: 0 };
    const record = {
      delivery_id: delivery.id,
      attempt,
      attemptedAt,
      status_code: result.statusCode,
      error: result.error,
      duration_ms: result.durationMs,
    };
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const reenable = ok && isTest && delivery.webhook_status === 'disabled' ? delivery.webhook_id : null;
    if (ok) {
      await this.recordAttempt(record, { kind: 'succeeded' }, reenable);
      return;
    }
    if (result.statusCode === 410) {
      await this.recordAttempt(
        record,
        { kind: 'failed', disableWebhook: { id: delivery.webhook_id, reason: 'endpoint answered 410 Gone' } },
        null,
      );
      this.logger.warn({ webhook_id: delivery.webhook_id }, 'webhook endpoint answered 410; disabled');
      return;
    }
    const delay =
      delivery.webhook_status === 'enabled' || isTest
        ? retryDelayMs(this.config.WEBHOOK_RETRY_SCHEDULE_MS, attempt, this.config.WEBHOOK_RETRY_JITTER)
        : null;
    if (delay !== null) {
      await this.recordAttempt(record, { kind: 'retry', nextAttemptAt: new Date(Date.now() + delay) }, null);
      return;
    }
    const disable =
      !isTest && delivery.webhook_status === 'enabled'
        ? { id: delivery.webhook_id, reason: `delivery failed after ${attempt} attempts` }
        : null;
    await this.recordAttempt(record, { kind: 'failed', disableWebhook: disable }, null);
    if (disable)
      this.logger.warn({ webhook_id: delivery.webhook_id }, 'webhook endpoint failed persistently; disabled');
  }

  private async recordAttempt(...args: Parameters<WebhooksRepository['recordAttempt']>): Promise<void> {
    await this.repository.recordAttempt(...args);
    this.metrics.webhookDeliveries.inc({ outcome: args[1].kind });
  }

  /**
   * One signed POST; never throws. The connection goes only to addresses the guard allowed, and
   * the whole attempt — name resolution, connect, request, response headers and body — must end
   * within WEBHOOK_TIMEOUT_MS, or the request is destroyed and the attempt fails.
   */
  private send(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const started = Date.now();
    const deadlineMs = this.config.WEBHOOK_TIMEOUT_MS;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let req: ClientRequest | null = null;
      const done = (statusCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ statusCode, error, durationMs: Date.now() - started });
      };
      const deadline = setTimeout(() => {
        done(null, `timed out: no complete response within ${deadlineMs} ms`);
        req?.destroy();
      }, deadlineMs);
      let url: URL;
      let secret: string;
      try {
        url = new URL(delivery.url);
        assertConnectHostAllowed(urlHost(url), this.addresses);
      } catch (err) {
        done(null, (err as Error).message);
        return;
      }
      try {
        secret = this.secrets.open(delivery.webhook_id, delivery.secret);
      } catch (err) {
        // A keyring without the secret's key: the operator's problem, not the receiver's to read about.
        this.logger.error(
          { err, webhook_id: delivery.webhook_id },
          'cannot decrypt a webhook signing secret',
        );
        done(null, 'the signing secret could not be read on the server');
        return;
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const body = Buffer.from(delivery.body);
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      req = request(
        url,
        {
          method: 'POST',
          lookup: guardedLookup(this.addresses),
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            'user-agent': 'PlexMCP-Webhooks/1.0',
            'webhook-id': delivery.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(secret, delivery.id, timestamp, delivery.body),
          },
        },
        (res) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('close', () => done(res.statusCode ?? null, null));
          res.on('error', () => undefined);
        },
      );
      req.on('error', (err) => done(null, err.message.slice(0, 500)));
      req.end(body);
    });
  }
}
