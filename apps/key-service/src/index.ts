import 'reflect-metadata';
import { QueueGroups } from '@plexmcp/contracts';
import {
  RpcReplyInterceptor,
  Tracing,
  RpcServerMetrics,
  connectNats,
  createServiceRegistry,
  readinessOf,
  startOpsServer,
  createLogger,
  createNatsMicroservice,
  type NatsConnection,
} from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module.js';
import { type KeyServiceConfig, type KeyServiceOverrides, loadKeyServiceConfig } from './config.js';
import { createDataSource, migrate } from './database/data-source.js';
import { HealthController } from './health/health.controller.js';

export type { KeyServiceConfig, KeyServiceOverrides } from './config.js';
export { loadKeyServiceConfig } from './config.js';

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
export async function bootstrap(overrides: KeyServiceOverrides = {}): Promise<KeyServiceHandle> {
  const config = loadKeyServiceConfig(overrides);
  const logger = createLogger('key-service', config.logLevel, config.logFormat);

  const { migrations, encryptedMcps } = await migrate(config, config.encryptionKeys);
  if (migrations.length > 0) logger.info({ migrations }, 'applied migrations');
  if (encryptedMcps > 0) logger.info({ mcps: encryptedMcps }, 'encrypted upstream headers stored in clear');

  let dataSource: DataSource | undefined;
  let eventsConnection: NatsConnection | undefined;
  try {
    dataSource = await createDataSource(config).initialize();
    eventsConnection = await connectNats(config.natsUrl, `${config.instanceId}-events`);
    const app = await createNatsMicroservice(
      AppModule.register({ config, logger, dataSource, eventsConnection }),
      {
        natsUrl: config.natsUrl,
        queue: QueueGroups.keyService,
        name: config.instanceId,
        logger,
        shutdownGraceMs: config.shutdownGraceMs,
      },
    );
    const registry = createServiceRegistry('key-service');
    const tracing = Tracing.fromEnv('key-service');
    app.useGlobalInterceptors(new RpcReplyInterceptor(logger, new RpcServerMetrics(registry), tracing));
    await app.listen();
    const health = app.get(HealthController);
    const ops = await startOpsServer({
      port: config.opsPort,
      registry,
      readiness: async () => readinessOf(await health.health()),
    }).catch(async (err: unknown) => {
      await app.close();
      throw err;
    });
    logger.info(
      { instance_id: config.instanceId, schema: config.dbSchema, ops_port: ops.port },
      'key-service ready',
    );
    return {
      instanceId: config.instanceId,
      config,
      opsPort: ops.port,
      close: async () => {
        await ops.close();
        await app.close();
        await tracing.shutdown();
      },
    };
  } catch (err) {
    if (eventsConnection && !eventsConnection.isClosed()) await eventsConnection.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    throw err;
  }
}
