import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  type Actor,
  IdentitySubjects,
  type ReencryptSecretsReply,
  Subjects,
  UsageSubjects,
  createdOrgSchema,
  createdWebhookSchema,
  hashCredential,
  mcpViewSchema,
  resolveMcpReplySchema,
  signInReplySchema,
  totpEnrollmentSchema,
  webhookDeliveryViewSchema,
} from '@plexmcp/contracts';
import { bootstrap as bootstrapKeyService, type KeyServiceHandle } from '@plexmcp/key-service';
import {
  Keyring,
  NatsRpcClient,
  connectNats,
  encryptionKeyIdOf,
  type NatsConnection,
} from '@plexmcp/service-kit';
import {
  type IsolatedNats,
  createTestSchema,
  startIsolatedNats,
  testDatabaseUrl,
  waitFor,
  WebhookReceiver,
  serviceTestOptions,
} from '@plexmcp/service-kit/testing';
import {
  bootstrap as bootstrapUsageService,
  type UsageServiceHandle,
  verifyWebhook,
  webhookHeadersOf,
} from '@plexmcp/usage-service';
import pg from 'pg';
import { cli } from './support/cli.js';

/**
 * Key rotation as an operator does it, end to end: services running with key k1; the keyring
 * becomes "k2,k1" (new key first) and the services restart; `plexmcp secrets reencrypt` moves every
 * secret to k2 (the owner's TOTP seed among them); k1 is dropped and the services restart: the
 * MCP's headers still reach the gateway through mcps.resolve and the webhook still delivers with its
 * original signing secret (a TOTP sign-in after the drop is proven in the key-service's own suite).
 */
describe('plexmcp secrets reencrypt', () => {
  const k1 = Keyring.generateEntry('k1');
  const k2 = Keyring.generateEntry('k2');
  let nats: IsolatedNats;
  let keySchema: { schema: string; drop: () => Promise<void> };
  let usageSchema: { schema: string; drop: () => Promise<void> };
  let keyService: KeyServiceHandle | null = null;
  let usageService: UsageServiceHandle | null = null;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let db: pg.Client;
  const receiver = new WebhookReceiver();

  let actor: Actor;
  let mcpId: string;
  let webhookId: string;
  let webhookSecret: string;
  const upstreamHeaders = { Authorization: 'Bearer upstream-secret-c0ffee', 'X-Tenant': 'acme-7' };

  const startKeyService = async (encryptionKeys: string) => {
    keyService = await bootstrapKeyService({
      ...serviceTestOptions(nats.url, keySchema.schema),
      dbPoolSize: 2,
      shutdownGraceMs: 50,
      encryptionKeys,
    });
  };
  const startUsageService = async (encryptionKeys: string) => {
    usageService = await bootstrapUsageService({
      ...serviceTestOptions(nats.url, usageSchema.schema),
      webhookAllowPrivateNetworks: true,
      encryptionKeys,
      env: { DB_POOL_SIZE: '3', WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_SCHEDULE_MS: '100,100' },
    });
  };
  const restart = async (keys: { key: string; usage: string }) => {
    await keyService?.close();
    await usageService?.close();
    await startKeyService(keys.key);
    await startUsageService(keys.usage);
  };
  const keyIdsIn = async (sql: string): Promise<(string | null)[]> =>
    (await db.query<{ v: string }>(sql)).rows.map((r) => encryptionKeyIdOf(r.v));
  const mcpKeyIds = () =>
    keyIdsIn(`SELECT value AS v FROM "${keySchema.schema}".mcps, jsonb_each_text(upstream_headers)`);
  const webhookKeyIds = () => keyIdsIn(`SELECT secret AS v FROM "${usageSchema.schema}".webhooks`);
  const totpKeyIds = () =>
    keyIdsIn(`SELECT totp_secret AS v FROM "${keySchema.schema}".users WHERE totp_secret IS NOT NULL`);
  const reencrypt = async () => {
    const out = await cli(nats.url, 'secrets', 'reencrypt', '--json');
    return {
      ...out,
      json: out.stdout ? (JSON.parse(out.stdout) as { services: ReencryptSecretsReply[] }) : null,
    };
  };

  beforeAll(async () => {
    nats = await startIsolatedNats();
    keySchema = await createTestSchema('cli_secrets_keys');
    usageSchema = await createTestSchema('cli_secrets_usage');
    await receiver.start();
    await startKeyService(k1);
    await startUsageService(k1);
    nc = await connectNats(nats.url, 'secrets-cli-test');
    rpc = new NatsRpcClient(nc, 5_000);
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();

    const org = await rpc.call(
      Subjects.orgs.create,
      { name: 'Rotating Co', owner_email: 'owner@rotating.test' },
      createdOrgSchema,
    );
    actor = { org_id: org.organization.id, key_id: org.admin_key.key.id, ip: null };
    const mcp = await rpc.call(
      Subjects.mcps.create,
      {
        actor,
        body: {
          name: 'Docs',
          mode: 'live',
          upstream_url: 'https://mcp.example.com/mcp',
          upstream_headers: upstreamHeaders,
        },
      },
      mcpViewSchema,
    );
    mcpId = mcp.id;
    const webhook = await rpc.call(
      UsageSubjects.webhooks.create,
      { actor, body: { url: receiver.url } },
      createdWebhookSchema,
    );
    webhookId = webhook.webhook.id;
    webhookSecret = webhook.secret;
    // The owner sets a password and starts TOTP enrolment: a seed sealed under k1.
    const sessionHash = hashCredential(randomBytes(32).toString('base64url'));
    await rpc.call(
      IdentitySubjects.setPassword,
      {
        token_hash: hashCredential(org.owner!.set_password_token),
        password: 'correct horse battery staple',
        session_hash: sessionHash,
        ip: null,
        user_agent: null,
      },
      signInReplySchema,
    );
    await rpc.call(IdentitySubjects.totpEnroll, { session_hash: sessionHash }, totpEnrollmentSchema);
  });

  afterAll(async () => {
    await keyService?.close();
    await usageService?.close();
    await nc?.close();
    await db?.end();
    await receiver.stop();
    await keySchema?.drop();
    await usageSchema?.drop();
    await nats?.stop();
  });

  it('reports a service that cannot read a secret, and still re-encrypts where it can', async () => {
    expect(await mcpKeyIds()).toEqual(['k1', 'k1']);
    expect(await webhookKeyIds()).toEqual(['k1']);
    expect(await totpKeyIds()).toEqual(['k1']);
    // The usage-service was given only the new key: it cannot read the k1 secret.
    await restart({ key: `${k2},${k1}`, usage: k2 });

    const out = await reencrypt();
    expect(out.code).toBe(1);
    expect(out.json?.services).toEqual([
      {
        service: 'key-service',
        store: 'mcps.upstream_headers',
        key_id: 'k2',
        rows: 1,
        reencrypted: 1,
        unchanged: 0,
      },
      {
        service: 'key-service',
        store: 'idempotency_records.response',
        key_id: 'k2',
        rows: 0,
        reencrypted: 0,
        unchanged: 0,
      },
      {
        service: 'key-service',
        store: 'org_oidc_configs.client_secret',
        key_id: 'k2',
        rows: 0,
        reencrypted: 0,
        unchanged: 0,
      },
      {
        service: 'key-service',
        store: 'users.totp_secret',
        key_id: 'k2',
        rows: 1,
        reencrypted: 1,
        unchanged: 0,
      },
    ]);
    // With --json the failure is one JSON object on stderr, naming the service that refused.
    expect(JSON.parse(out.stderr)).toEqual({
      error: {
        code: 'internal_error',
        service: 'usage-service',
        message: `webhooks.secret:${webhookId}: encrypted under key "k1", which is not in PLEXMCP_ENCRYPTION_KEYS`,
      },
    });
    expect(await mcpKeyIds()).toEqual(['k2', 'k2']);
    expect(await totpKeyIds()).toEqual(['k2']);
    expect(await webhookKeyIds()).toEqual(['k1']);
  });

  it('moves every secret to the new first key, and a second run has nothing left to do', async () => {
    await restart({ key: `${k2},${k1}`, usage: `${k2},${k1}` });

    const first = await reencrypt();
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.json?.services).toEqual([
      {
        service: 'key-service',
        store: 'mcps.upstream_headers',
        key_id: 'k2',
        rows: 1,
        reencrypted: 0,
        unchanged: 1,
      },
      {
        service: 'key-service',
        store: 'idempotency_records.response',
        key_id: 'k2',
        rows: 0,
        reencrypted: 0,
        unchanged: 0,
      },
      {
        service: 'key-service',
        store: 'org_oidc_configs.client_secret',
        key_id: 'k2',
        rows: 0,
        reencrypted: 0,
        unchanged: 0,
      },
      {
        service: 'key-service',
        store: 'users.totp_secret',
        key_id: 'k2',
        rows: 1,
        reencrypted: 0,
        unchanged: 1,
      },
      {
        service: 'usage-service',
        store: 'webhooks.secret',
        key_id: 'k2',
        rows: 1,
        reencrypted: 1,
        unchanged: 0,
      },
    ]);
    expect(await webhookKeyIds()).toEqual(['k2']);

    const again = await cli(nats.url, 'secrets', 'reencrypt');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      'key-service: mcps.upstream_headers: 0 of 1 re-encrypted under key "k2" (1 already were)\n' +
        'key-service: idempotency_records.response: 0 of 0 re-encrypted under key "k2" (0 already were)\n' +
        'key-service: org_oidc_configs.client_secret: 0 of 0 re-encrypted under key "k2" (0 already were)\n' +
        'key-service: users.totp_secret: 0 of 1 re-encrypted under key "k2" (1 already were)\n' +
        'usage-service: webhooks.secret: 0 of 1 re-encrypted under key "k2" (1 already were)\n',
    );
  });

  it('after the old key is dropped, the headers still reach the gateway and the webhook still signs', async () => {
    await restart({ key: k2, usage: k2 });

    const route = await rpc.call(Subjects.mcps.resolve, { id: mcpId }, resolveMcpReplySchema);
    expect(route.route?.upstream_headers).toEqual(upstreamHeaders);

    const delivery = await rpc.call(
      UsageSubjects.webhooks.test,
      { actor, id: webhookId },
      webhookDeliveryViewSchema,
    );
    const arrived = await waitFor(() =>
      receiver.received.find((r) => r.headers['webhook-id'] === delivery.id),
    );
    expect(verifyWebhook(webhookSecret, webhookHeadersOf(arrived.headers), arrived.body)).toBe(true);
  });

  it('exits 3 naming the service that does not answer, after printing what the other did', async () => {
    await usageService?.close();
    usageService = null;
    const out = await reencrypt();
    expect(out.code).toBe(3);
    expect(out.json?.services.map((s) => s.service)).toEqual([
      'key-service',
      'key-service',
      'key-service',
      'key-service',
    ]);
    expect(out.stderr).toMatch(
      /the usage-service is not running: nothing answers webhooks\.secrets\.reencrypt/,
    );
  });
});
