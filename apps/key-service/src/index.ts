import 'reflect-metadata';
import { QueueGroups } from '@plexmcp/contracts';
import {
  RpcReplyInterceptor,
  connectNats,
  createLogger,
  createNatsMicroservice,
  type NatsConnection,
} from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module.js';
import { type KeyServiceConfig, type KeyServiceOverrides, loadKeyServiceConfig } from './config.js';
import { createDataSource, migrate } from './database/data-source.js';

export type { KeyServiceConfig, KeyServiceOverrides } from './config.js';
export { loadKeyServiceConfig } from './config.js';

export interface KeyServiceHandle {
  /** This instance's id, as reported by `keys.health`. */
  instanceId: string;
  config: KeyServiceConfig;
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
    const nats = { auth: config.natsAuth, role: 'key-service' } as const;
    eventsConnection = await connectNats(config.natsUrl, `${config.instanceId}-events`, nats);
    const app = await createNatsMicroservice(
      AppModule.register({ config, logger, dataSource, eventsConnection }),
      {
        natsUrl: config.natsUrl,
        nats,
        queue: QueueGroups.keyService,
        name: config.instanceId,
        logger,
        shutdownGraceMs: config.shutdownGraceMs,
      },
    );
    app.useGlobalInterceptors(new RpcReplyInterceptor(logger));
    await app.listen();
    logger.info({ instance_id: config.instanceId, schema: config.dbSchema }, 'key-service ready');
    return {
      instanceId: config.instanceId,
      config,
      close: async () => {
        await app.close();
      },
    };
  } catch (err) {
    if (eventsConnection && !eventsConnection.isClosed()) await eventsConnection.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    throw err;
  }
}
