import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, hashApiKey, validateKeyReplySchema } from '@plexmcp/contracts';
import { bootstrap, type KeyServiceHandle } from '@plexmcp/key-service';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  type IsolatedNats,
  createTestSchema,
  freePort,
  startIsolatedNats,
  keyServiceTestOptions,
} from '@plexmcp/service-kit/testing';
import { cli } from './support/cli.js';

interface CreatedJson {
  organization: { id: string; name: string };
  admin_key: { id: string; secret: string; expires_at: string };
}
interface OrgJson {
  organization: Record<string, unknown>;
}

/** The CLI against a real key-service over a private NATS, as `pnpm plexmcp …` runs it. */
describe('plexmcp CLI', () => {
  let nats: IsolatedNats;
  let service: KeyServiceHandle;
  let dropSchema: () => Promise<void>;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;

  const statusOf = async (secret: string) =>
    (await rpc.call(Subjects.keys.validate, { key_hash: hashApiKey(secret) }, validateKeyReplySchema)).status;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    const { schema, drop } = await createTestSchema('cli');
    dropSchema = drop;
    service = await bootstrap(keyServiceTestOptions(nats.url, schema));
    nc = await connectNats(nats.url, 'cli-test');
    rpc = new NatsRpcClient(nc, 5_000);
  });
  afterAll(async () => {
    await service?.close();
    await nc?.close();
    await dropSchema?.();
    await nats?.stop();
  });

  it('org create --json prints exactly one JSON object with the organization and a working admin key', async () => {
    const out = await cli(nats.url, 'org', 'create', '--name', 'Acme Corp', '--json');
    expect(out.code).toBe(0);
    const parsed = JSON.parse(out.stdout) as Record<string, Record<string, string>>;
    expect(Object.keys(parsed)).toEqual(['organization', 'admin_key']);
    expect(parsed.organization).toEqual({ id: expect.stringMatching(/^org_/), name: 'Acme Corp' });
    expect(parsed.admin_key).toEqual({
      id: expect.stringMatching(/^key_/),
      secret: expect.stringMatching(/^pk_live_[0-9A-Za-z]{38}$/),
      expires_at: expect.any(String),
    });
    const days = (Date.parse(parsed.admin_key!.expires_at!) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    expect(await statusOf(parsed.admin_key!.secret!)).toBe('active');
  });

  it('org create without --json shows the secret once, for a human', async () => {
    const out = await cli(nats.url, 'org', 'create', '--name', 'Humans');
    expect(out.code).toBe(0);
    expect(out.stdout.match(/pk_live_[0-9A-Za-z]{38}/g)).toHaveLength(1);
    expect(out.stdout).toMatch(/shown only once/);
  });

  it('org update suspends, reactivates and changes the allowlist and limit', async () => {
    const created = JSON.parse(
      (await cli(nats.url, 'org', 'create', '--name', 'Suspendable', '--json')).stdout,
    ) as CreatedJson;
    const id = created.organization.id;
    const secret = created.admin_key.secret;

    /** `org update --id <id> <flags> --json`: it succeeds and prints the organization. */
    const update = async (...flags: string[]) => {
      const out = await cli(nats.url, 'org', 'update', '--id', id, ...flags, '--json');
      expect(out.code).toBe(0);
      return (JSON.parse(out.stdout) as OrgJson).organization;
    };

    expect(await update('--status', 'suspended')).toMatchObject({ id, status: 'suspended' });
    expect(await statusOf(secret)).toBe('org_suspended');

    expect(
      await update('--status', 'active', '--monthly-limit', '5000', '--ip-allowlist', '10.0.0.0/8,192.0.2.1'),
    ).toMatchObject({
      status: 'active',
      monthly_request_limit: 5000,
      ip_allowlist: ['10.0.0.0/8', '192.0.2.1'],
    });
    expect(await statusOf(secret)).toBe('active');

    expect(await update('--ip-allowlist', 'none', '--monthly-limit', 'none')).toMatchObject({
      ip_allowlist: null,
      monthly_request_limit: null,
    });
  });

  it.each([
    [['org', 'create'], '--name'],
    [['org', 'create', '--name', ''], '--name'],
    [['org', 'create', '--name', 'x'.repeat(101)], '--name'],
    [['org', 'create', '--name', 'x', '--ip-allowlist', '10.0.0.0/99'], '--ip-allowlist'],
    [['org', 'update', '--status', 'suspended'], '--id'],
    [['org', 'update', '--id', 'acme', '--status', 'suspended'], '--id'],
    [['org', 'update', '--id', 'org_abcdefgh12345678', '--status', 'paused'], '--status'],
    [['org', 'update', '--id', 'org_abcdefgh12345678', '--monthly-limit', '-3'], '--monthly-limit'],
    [['org', 'update', '--id', 'org_abcdefgh12345678'], 'nothing to update'],
    [['org', 'create', '--name', 'x', '--colour', 'red'], '--colour'],
    [['org', 'delete'], 'unknown command'],
  ])('invalid input %j exits 2 naming %s, and sends nothing', async (argv, mention) => {
    const out = await cli(nats.url, ...argv);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(mention);
    expect(out.stdout).toBe('');
  });

  it('an organization that does not exist exits 1 with not_found', async () => {
    const out = await cli(nats.url, 'org', 'update', '--id', 'org_abcdefgh12345678', '--status', 'suspended');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('not_found');
  });

  it('exits 3 with a clear message when NATS is unreachable', async () => {
    const out = await cli(
      `nats://127.0.0.1:${await freePort()}`,
      'org',
      'create',
      '--name',
      'Nowhere',
      '--json',
    );
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+/);
    expect(out.stdout).toBe('');
  });

  it('exits 3 with a clear message when no key-service is running', async () => {
    const empty = await startIsolatedNats();
    try {
      const out = await cli(empty.url, 'org', 'create', '--name', 'Nobody home');
      expect(out.code).toBe(3);
      expect(out.stderr).toMatch(/key-service is not running/);
    } finally {
      await empty.stop();
    }
  });
});
