import { Inject, Injectable } from '@nestjs/common';
import { type ExpiringKeysRequest, Subjects, expiringKeysReplySchema } from '@plexmcp/contracts';
import {
  type NatsConnection,
  NatsRpcClient,
  SERVICE_CONFIG,
  SERVICE_NATS,
  TransactionRunner,
  withClusterLock,
} from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import type { UsageServiceConfig } from '../config.js';
import { DATA_SOURCE } from '../tokens.js';
import { AlertsService } from './alerts.service.js';
import { expiryWarning } from './expiry-warning.js';

const DAY_MS = 86_400_000;
const PAGE = 500;

/**
 * `key_expiring` for keys that are never used: usage events only warn about keys that make
 * requests, so every KEY_EXPIRY_SWEEP_MS one instance (cluster lock) asks the key-service for the
 * active keys expiring within KEY_EXPIRY_WARNING_DAYS and raises the same alert (its cool-down
 * keeps it to one per key and expiry). A key-service that does not answer is retried next round.
 */
@Injectable()
export class ExpirySweepService {
  private readonly rpc: NatsRpcClient;

  constructor(
    @Inject(SERVICE_NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly alerts: AlertsService,
    private readonly transactions: TransactionRunner,
  ) {
    this.rpc = new NatsRpcClient(nc, 5_000);
  }

  async sweep(nowMs = Date.now()): Promise<void> {
    await withClusterLock(this.dataSource, 'key-expiry-sweep', () => this.warn(nowMs));
  }

  private async warn(nowMs: number): Promise<void> {
    let cursor: ExpiringKeysRequest['cursor'] = null;
    for (;;) {
      const request: ExpiringKeysRequest = {
        after: new Date(nowMs).toISOString(),
        before: new Date(nowMs + this.config.KEY_EXPIRY_WARNING_DAYS * DAY_MS).toISOString(),
        cursor,
        limit: PAGE,
      };
      const { keys } = await this.rpc.call(Subjects.keys.expiring, request, expiringKeysReplySchema);
      if (keys.length === 0) return;
      let raised = 0;
      await this.transactions.run(async (tx, { afterCommit }) => {
        for (const key of keys) {
          const candidate = expiryWarning(key.org_id, key.id, Date.parse(key.expires_at), nowMs);
          if (await this.alerts.raise(tx, candidate)) raised += 1;
        }
        afterCommit(() => this.alerts.alertsCommitted(raised));
      });
      if (keys.length < PAGE) return;
      const last = keys[keys.length - 1]!;
      cursor = { expires_at: last.expires_at, id: last.id };
    }
  }
}
