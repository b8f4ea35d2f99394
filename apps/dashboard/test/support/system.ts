import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CreatedOrg, Subjects, createdOrgSchema } from '@plexmcp/contracts';
import { bootstrap as bootstrapGateway, type GatewayHandle } from '@plexmcp/api-gateway';
import { bootstrap as bootstrapKeyService, type KeyServiceHandle } from '@plexmcp/key-service';
import { bootstrap as bootstrapUsageService, type UsageServiceHandle } from '@plexmcp/usage-service';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import { createTestSchema, startIsolatedNats, testDatabaseUrl } from '@plexmcp/service-kit/testing';
import { type BrowserContext, chromium } from 'playwright-core';

const APP_DIR = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOT_DIR = path.resolve(APP_DIR, '../../artifacts/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The built app the gateway serves; built here when a plain `jest` run finds none. */
export function ensureDashboardBuilt(): void {
  if (existsSync(path.join(APP_DIR, 'dist/index.html'))) return;
  const result = spawnSync(path.join(APP_DIR, 'node_modules/.bin/vite'), ['build'], {
    cwd: APP_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('vite build of the dashboard failed');
}

/** Debian's chromium, headless, with a fresh profile and nothing phoning home. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run .ci/ensure-chromium (installs Debian's chromium)`);
  }
  // A fresh --user-data-dir: Playwright passes the directory given here as that flag.
  const profile = mkdtempSync(path.join(tmpdir(), 'plexmcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The real system in-process: a private nats-server, the key-service and usage-service in their
 * own Postgres schemas, and one gateway that believes X-Forwarded-For from loopback.
 */
export interface System {
  gateway: GatewayHandle;
  rpc: NatsRpcClient;
  org: CreatedOrg;
  close(): Promise<void>;
}

export async function startSystem(name: string): Promise<System> {
  const nats = await startIsolatedNats();
  const keySchema = await createTestSchema(`dash_keys_${name}`);
  const usageSchema = await createTestSchema(`dash_usage_${name}`);
  let keyService: KeyServiceHandle | null = null;
  let usageService: UsageServiceHandle | null = null;
  let gateway: GatewayHandle | null = null;
  let nc: NatsConnection | null = null;
  const close = async () => {
    await gateway?.close().catch(() => undefined);
    await usageService?.close().catch(() => undefined);
    await keyService?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
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
      // The webhook receiver of the test listens on loopback.
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', ANOMALY_EVAL_MS: '100' },
    });
    gateway = await bootstrapGateway({
      NATS_URL: nats.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      HEARTBEAT_INTERVAL_MS: '200',
      TRUSTED_PROXIES: '127.0.0.1/32',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    });
    nc = await connectNats(nats.url, `dashboard-test-${name}`);
    const rpc = new NatsRpcClient(nc, 5_000);
    // Organizations and their first admin key come from internal RPC, as `plexmcp org create` does.
    const org = await rpc.call(Subjects.orgs.create, { name: 'Dashboard Co' }, createdOrgSchema);
    return { gateway, rpc, org, close };
  } catch (err) {
    await close();
    throw err;
  }
}
