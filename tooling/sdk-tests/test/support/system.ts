import { randomBytes } from 'node:crypto';
import { bootstrap as bootstrapGateway, type GatewayHandle } from '@plexmcp/api-gateway';
import { bootstrap as bootstrapKeyService, type KeyServiceHandle } from '@plexmcp/key-service';
import { bootstrap as bootstrapUsageService, type UsageServiceHandle } from '@plexmcp/usage-service';
import {
  type IsolatedNats,
  createTestSchema,
  startIsolatedNats,
  testDatabaseUrl,
} from '@plexmcp/service-kit/testing';

/**
 * The real system in-process, as `pnpm start` runs it: a private nats-server, the key-service and
 * the usage-service in Postgres schemas of their own, and one gateway on a free port. Webhooks
 * may target loopback, where the suite's receiver listens.
 */
export interface System {
  nats: IsolatedNats;
  gateway: GatewayHandle;
  close(): Promise<void>;
}

export async function startSystem(name: string): Promise<System> {
  const nats = await startIsolatedNats();
  const keySchema = await createTestSchema(`sdk_keys_${name}`);
  const usageSchema = await createTestSchema(`sdk_usage_${name}`);
  let keyService: KeyServiceHandle | null = null;
  let usageService: UsageServiceHandle | null = null;
  let gateway: GatewayHandle | null = null;
  const close = async () => {
    await gateway?.close().catch(() => undefined);
    await usageService?.close().catch(() => undefined);
    await keyService?.close().catch(() => undefined);
    await keySchema.drop();
    await usageSchema.drop();
    await nats.stop();
  };
  try {
    keyService = await bootstrapKeyService({
      natsUrl: nats.url,
      databaseUrl: testDatabaseUrl(),
      dbSchema: keySchema.schema,
      logLevel: 'silent',
      dbPoolSize: 4,
      shutdownGraceMs: 50,
    });
    usageService = await bootstrapUsageService({
      natsUrl: nats.url,
      databaseUrl: testDatabaseUrl(),
      dbSchema: usageSchema.schema,
      logLevel: 'silent',
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', DB_POOL_SIZE: '4' },
    });
    gateway = await bootstrapGateway({
      NATS_URL: nats.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      HEARTBEAT_INTERVAL_MS: '200',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    });
    return { nats, gateway, close };
  } catch (err) {
    await close();
    throw err;
  }
}
