import 'reflect-metadata';
import { QueueGroups, randomBase62 } from '@plexmcp/contracts';
import {
  RpcServerMetrics,
  ServiceShutdown,
  Tracing,
  connectNats,
  createServiceRegistry,
  startServiceOpsServer,
  createLogger,
  startNatsMicroservice,
  type NatsConnection,
} from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module.js';
import { type KeyServiceConfig, type KeyServiceOverrides, loadKeyServiceConfig } from './config.js';
import { createDataSource, migrate } from './database/data-source.js';
import { HealthController } from './health/health.controller.js';

export type { KeyServiceConfig, KeyServiceOverrides } from './config.js';
export type { LinkMail, MailTransport } from './identity/mail.js';
import { EMBEDDER_MAIL_TRANSPORT, type MailTransport } from './identity/mail.js';
export { loadKeyServiceConfig } from './config.js';
/** The `keys.validate` statement, for the benchmark's bare-SQL baseline. */
export { validateKeySql } from './keys/api-keys.repository.js';

export interface KeyServiceHandle {
  /** This instance's id, as reported by `keys.health`. */
  instanceId: string;
  config: KeyServiceConfig;
  /** The port of the ops HTTP server (`/metrics`, `/healthz`, `/readyz`). */
  opsPort: number;
  /** Stops taking requests, lets in-flight ones finish, then closes NATS and the database. */
  close(): Promise<void>;
}

/**
 * Starts one key-service instance: validates configuration, runs pending migrations, connects
 * the event link and serves every `keys.*`, `mcps.*`, `orgs.*` and `audit.*` subject in the
 * key-service queue group. Used by `main.ts` and by the tests, so both run the real pipeline.
 */
export async function bootstrap(
  overrides: KeyServiceOverrides = {},
  embedding: { mail?: MailTransport } = {},
): Promise<KeyServiceHandle> {
  const config = loadKeyServiceConfig(overrides);
  const logger = createLogger('key-service', config.LOG_LEVEL, config.LOG_FORMAT);
  const instanceId = `key-service-${randomBase62(10)}`;

  const { migrations, encryptedMcps } = await migrate(config.database, config.PLEXMCP_ENCRYPTION_KEYS);
  if (migrations.length > 0) logger.info({ migrations }, 'applied migrations');
  if (encryptedMcps > 0) logger.info({ mcps: encryptedMcps }, 'encrypted upstream headers stored in clear');

  let dataSource: DataSource | undefined;
  let eventsConnection: NatsConnection | undefined;
  try {
    dataSource = await createDataSource(config.database).initialize();
    const nats = { auth: config.natsAuth, role: 'key-service' } as const;
    const events = await connectNats(config.NATS_URL, `${instanceId}-events`, nats);
    eventsConnection = events;
    // Phase 1 (the RPC transport) is the Nest app closing; the data source closes after the rest
    // (DatabaseModule, on application shutdown).
    const shutdown = new ServiceShutdown(logger);
    shutdown.add('close connections', 'event connection', async () => {
      if (!events.isClosed()) await events.drain();
    });
    const registry = createServiceRegistry('key-service');
    const tracing = Tracing.fromEnv('key-service');
    shutdown.add('close connections', 'tracing', () => tracing.shutdown());
    const app = await startNatsMicroservice(
      AppModule.register(
        {
          config,
          logger,
          shutdown,
          instanceId,
          nats: events,
          values: embedding.mail ? [{ provide: EMBEDDER_MAIL_TRANSPORT, useValue: embedding.mail }] : [],
        },
        dataSource,
      ),
      {
        natsUrl: config.NATS_URL,
        nats,
        queue: QueueGroups.keyService,
        name: instanceId,
        logger,
        shutdownGraceMs: config.KEY_SERVICE_SHUTDOWN_GRACE_MS,
        metrics: new RpcServerMetrics(registry),
        tracing,
      },
    );
    const health = app.get(HealthController);
    const ops = await startServiceOpsServer(app, shutdown, {
      port: config.OPS_PORT,
      registry: registry,
      health: () => health.health(),
    });
    logger.info(
      { instance_id: instanceId, schema: config.KEY_SERVICE_DB_SCHEMA, ops_port: ops.port },
      'key-service ready',
    );
    return {
      instanceId,
      config,
      opsPort: ops.port,
      close: () => app.close(),
    };
  } catch (err) {
    if (eventsConnection && !eventsConnection.isClosed()) await eventsConnection.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    throw err;
  }
}
