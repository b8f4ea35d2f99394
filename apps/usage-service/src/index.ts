import 'reflect-metadata';
import { QueueGroups, randomBase62 } from '@plexmcp/contracts';
import {
  ServiceShutdown,
  Tables,
  TransactionRunner,
  Tracing,
  connectNats,
  createLogger,
  startNatsMicroservice,
  startServiceOpsServer,
} from '@plexmcp/service-kit';
import { GeoIpService } from './alerts/geoip.service.js';
import { AppModule } from './app.module.js';
import { type BootstrapOverrides, loadUsageServiceConfig } from './config.js';
import { openUsageDatabase } from './database/data-source.js';
import { HealthController } from './health/health.controller.js';
import { IngestConsumer } from './ingest/ingest.consumer.js';
import { DATA_SOURCE, GEOIP, METRICS } from './tokens.js';
import { UsageMetrics } from './usage-metrics.js';

export type { BootstrapOverrides } from './config.js';
export { verifyWebhook, signWebhook, webhookHeadersOf } from './webhooks/webhook-signature.js';

export interface UsageServiceHandle {
  instanceId: string;
  /** The port of the ops HTTP server (`/metrics`, `/healthz`, `/readyz`). */
  opsPort: number;
  /** Stops consuming (unacknowledged messages go back to JetStream), then closes NATS and Postgres. */
  close(): Promise<void>;
}

/**
 * Starts the usage-service: migrations, the JetStream ingest consumer, background workers
 * (limits, anomalies, webhooks, retention) and the NATS RPC handlers. Used by main.ts and tests.
 */
export async function bootstrap(overrides: BootstrapOverrides = {}): Promise<UsageServiceHandle> {
  const config = loadUsageServiceConfig(overrides);
  const logger = createLogger('usage-service', config.LOG_LEVEL, config.LOG_FORMAT);
  const instanceId = `usage-${randomBase62(10)}`;
  const { dataSource, encryptedWebhooks } = await openUsageDatabase({
    url: config.databaseUrl,
    schema: config.USAGE_SERVICE_DB_SCHEMA,
    poolSize: config.DB_POOL_SIZE,
    keyring: config.PLEXMCP_ENCRYPTION_KEYS,
  });
  if (encryptedWebhooks > 0) {
    logger.info({ webhooks: encryptedWebhooks }, 'encrypted webhook signing secrets stored in clear');
  }
  const geo = await GeoIpService.open(config.GEOIP_DATABASE_PATH);
  const nats = { auth: config.natsAuth, role: 'usage-service' } as const;
  const nc = await connectNats(config.NATS_URL, `${instanceId}-jetstream`, nats);
  const metrics = new UsageMetrics();
  const tracing = Tracing.fromEnv('usage-service');
  try {
    // Phase 1 (the RPC transport) is the Nest app closing; the features register their parts.
    const shutdown = new ServiceShutdown(logger);
    shutdown.add('close connections', 'NATS and Postgres', async () => {
      await nc.drain().catch(() => undefined);
      await dataSource.destroy();
    });
    shutdown.add('close connections', 'tracing', () => tracing.shutdown());
    const app = await startNatsMicroservice(
      AppModule.register({
        config,
        logger,
        shutdown,
        instanceId,
        nats: nc,
        values: [
          { provide: DATA_SOURCE, useValue: dataSource },
          { provide: Tables, useValue: new Tables(dataSource) },
          { provide: TransactionRunner, useValue: new TransactionRunner(dataSource) },
          { provide: GEOIP, useValue: geo },
          { provide: METRICS, useValue: metrics },
        ],
      }),
      {
        natsUrl: config.NATS_URL,
        nats,
        queue: QueueGroups.usageService,
        name: instanceId,
        logger,
        metrics: metrics.rpc,
        tracing,
      },
    );
    metrics.observeIngest(app.get(IngestConsumer).stats);
    const health = app.get(HealthController);
    const ops = await startServiceOpsServer(app, shutdown, {
      port: config.OPS_PORT,
      registry: metrics.registry,
      health: () => health.health(),
    });
    logger.info(
      { instance_id: instanceId, schema: config.USAGE_SERVICE_DB_SCHEMA, ops_port: ops.port },
      'usage-service started',
    );

    let closing: Promise<void> | null = null;
    return {
      instanceId,
      opsPort: ops.port,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          logger.info({ instance_id: instanceId }, 'usage-service stopped');
        })()),
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    throw err;
  }
}
