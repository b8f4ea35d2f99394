import { randomBytes } from 'node:crypto';
import { type CreatedOrg, Subjects, createdOrgSchema } from '@plexmcp/contracts';
import { bootstrap as bootstrapGateway, type GatewayEnv, type GatewayHandle } from '@plexmcp/api-gateway';
import { bootstrap as bootstrapKeyService, type KeyServiceHandle, type LinkMail } from '@plexmcp/key-service';
import { bootstrap as bootstrapUsageService, type UsageServiceHandle } from '@plexmcp/usage-service';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  type IsolatedNats,
  LOOPBACK_NETWORKS,
  createTestSchema,
  keyServiceTestOptions,
  serviceTestOptions,
  startIsolatedNats,
} from '@plexmcp/service-kit/testing';

export interface SystemOptions {
  /** Names the suite's Postgres schemas (`<prefix>_keys_<name>`, `<prefix>_usage_<name>`). */
  prefix: string;
  name: string;
  /** Environment-style settings of the usage-service, over a 100 ms webhook poll. */
  usageEnv?: Record<string, string>;
  /** Settings of the gateway, over the defaults below (e.g. TRUSTED_PROXIES). */
  gatewayEnv?: GatewayEnv;
}

/**
 * The real system in-process, as `pnpm start` runs it: a private nats-server, the key-service and
 * the usage-service in Postgres schemas of their own, and one gateway on a free port of loopback.
 * Webhooks and MCP upstreams may target loopback, where a suite's receivers and upstreams listen.
 */
export interface System {
  nats: IsolatedNats;
  gateway: GatewayHandle;
  /** Internal RPC on the system's NATS, as the services and the CLI speak it. */
  rpc: NatsRpcClient;
  /** An organization and its first admin key, from internal RPC as `plexmcp org create` makes them. */
  createOrg(name: string): Promise<CreatedOrg>;
  /** Every one-time link the key-service mailed (set password, reset, invitation), oldest first. */
  mailbox: LinkMail[];
  /** Another gateway of the same system (same settings and session secret), as behind a load balancer. */
  startGateway(): Promise<GatewayHandle>;
  close(): Promise<void>;
}

export async function startSystem(options: SystemOptions): Promise<System> {
  const { prefix, name } = options;
  const nats = await startIsolatedNats();
  const keySchema = await createTestSchema(`${prefix}_keys_${name}`);
  const usageSchema = await createTestSchema(`${prefix}_usage_${name}`);
  let keyService: KeyServiceHandle | null = null;
  let usageService: UsageServiceHandle | null = null;
  let gateway: GatewayHandle | null = null;
  const extraGateways: GatewayHandle[] = [];
  let nc: NatsConnection | null = null;
  const mailbox: LinkMail[] = [];
  const close = async () => {
    await Promise.all(extraGateways.map((g) => g.close().catch(() => undefined)));
    await gateway?.close().catch(() => undefined);
    await usageService?.close().catch(() => undefined);
    await keyService?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await keySchema.drop();
    await usageSchema.drop();
    await nats.stop();
  };
  try {
    keyService = await bootstrapKeyService(keyServiceTestOptions(nats.url, keySchema.schema), {
      mail: {
        send: (mail) => {
          mailbox.push(mail);
          return Promise.resolve();
        },
      },
    });
    usageService = await bootstrapUsageService({
      ...serviceTestOptions(nats.url, usageSchema.schema),
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', ...options.usageEnv },
    });
    const gatewayEnv: GatewayEnv = {
      NATS_URL: nats.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      HEARTBEAT_INTERVAL_MS: '200',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      MCP_UPSTREAM_ALLOWED_NETWORKS: LOOPBACK_NETWORKS.join(','),
      ...options.gatewayEnv,
    };
    gateway = await bootstrapGateway(gatewayEnv);
    nc = await connectNats(nats.url, `${prefix}-test-${name}`);
    const rpc = new NatsRpcClient(nc, 5_000);
    return {
      nats,
      gateway,
      rpc,
      createOrg: (orgName) => rpc.call(Subjects.orgs.create, { name: orgName }, createdOrgSchema),
      mailbox,
      async startGateway() {
        const another = await bootstrapGateway(gatewayEnv);
        extraGateways.push(another);
        return another;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
