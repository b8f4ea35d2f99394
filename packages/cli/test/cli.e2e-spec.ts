import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  IdentitySubjects,
  Subjects,
  createdOrgSchema,
  hashApiKey,
  hashCredential,
  newCredential,
  signInReplySchema,
  validateKeyReplySchema,
} from '@plexmcp/contracts';
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
interface KeyJson {
  id: string;
  name: string;
  status: string;
  organization_id: string;
  permissions: { mcps: '*' | string[] };
}

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

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

  it('org create --owner-email makes the owner and prints their one-time set-password link, which signs them in once', async () => {
    const out = await cli(
      nats.url,
      'org',
      'create',
      '--name',
      'Owned',
      '--owner-email',
      'Ada@Owned.test',
      '--json',
    );
    expect(out.code).toBe(0);
    const parsed = JSON.parse(out.stdout) as CreatedJson & {
      owner: { id: string; email: string; set_password_url: string; expires_at: string };
    };
    expect(parsed.owner).toEqual({
      id: expect.stringMatching(/^usr_/),
      email: 'Ada@Owned.test',
      set_password_url: expect.stringMatching(
        /^http:\/\/localhost:3000\/dashboard\/set-password#token=[A-Za-z0-9_-]{43}$/,
      ),
      expires_at: expect.any(String),
    });
    const token = parsed.owner.set_password_url.split('#token=')[1]!;
    const setPassword = (sessionHash: string) =>
      rpc.call(
        IdentitySubjects.setPassword,
        {
          token_hash: hashCredential(token),
          password: 'correct horse battery staple',
          session_hash: sessionHash,
          ip: null,
          user_agent: null,
        },
        signInReplySchema,
      );
    const first = await setPassword(hashCredential(newCredential()));
    expect(first).toMatchObject({
      status: 'signed_in',
      session: { org_id: parsed.organization.id, user_id: parsed.owner.id },
    });
    await expect(setPassword(hashCredential(newCredential()))).rejects.toMatchObject({
      code: 'unauthorized',
    });

    const human = await cli(
      nats.url,
      'org',
      'create',
      '--name',
      'Owned too',
      '--owner-email',
      'bo@owned.test',
    );
    expect(human.code).toBe(0);
    expect(human.stdout.match(/set-password#token=[A-Za-z0-9_-]{43}/g)).toHaveLength(1);
    expect(human.stdout).toContain('Owner bo@owned.test');
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

  it('--version prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      const out = await cli(nats.url, flag);
      expect(out).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
    }
  });

  it.each([
    ['org', 'create', '--name'],
    ['org', 'list', '--json'],
    ['org', 'get', '--id'],
    ['org', 'update', '--status'],
    ['keys', 'create', '--expires-in'],
    ['keys', 'list', '--org'],
    ['keys', 'revoke', '--id'],
    ['secrets', 'reencrypt', '--json'],
  ])('%s %s --help explains that command alone and exits 0', async (group, command, option) => {
    const out = await cli(nats.url, group, command, '--help');
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(`Usage: plexmcp ${group} ${command} [options]`);
    expect(out.stdout).toContain(option);
  });

  it('no command prints the overview on stderr and exits 2; --help prints it on stdout', async () => {
    const none = await cli(nats.url);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Exit codes: 0 ok, 1 refused by a service, 2 invalid input, 3');
    const help = await cli(nats.url, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/org\s+create, list, show and change organizations/);
    expect(help.stdout).toMatch(/keys\s+create, list and revoke/);
  });

  it('org list --json walks every page, newest first, each organization once', async () => {
    // More than one page (100) of organizations.
    const made = new Set<string>();
    for (let batch = 0; batch < 11; batch += 1) {
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          rpc.call(Subjects.orgs.create, { name: `Listed ${batch}-${i}` }, createdOrgSchema),
        ),
      );
      for (const c of created) made.add(c.organization.id);
    }
    const out = await cli(nats.url, 'org', 'list', '--json');
    expect(out.code).toBe(0);
    const { organizations } = JSON.parse(out.stdout) as {
      organizations: { id: string; created_at: string }[];
    };
    const ids = organizations.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of made) expect(ids).toContain(id);
    const times = organizations.map((o) => Date.parse(o.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const human = await cli(nats.url, 'org', 'list');
    expect(human.code).toBe(0);
    expect(human.stdout.trim().split('\n')).toHaveLength(ids.length);
  });

  it("keys create / list / revoke: the operator manages an organization's keys, each with --json", async () => {
    const org = JSON.parse(
      (await cli(nats.url, 'org', 'create', '--name', 'Keyed', '--json')).stdout,
    ) as CreatedJson;
    const orgId = org.organization.id;

    const created = await cli(
      nats.url,
      'keys',
      'create',
      '--org',
      orgId,
      '--name',
      'ci',
      '--expires-in',
      '30d',
      '--json',
    );
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.stdout) as { key: KeyJson; secret: string };
    expect(key).toMatchObject({
      name: 'ci',
      status: 'active',
      organization_id: orgId,
      permissions: { mcps: '*' },
    });
    expect(secret).toMatch(/^pk_live_[0-9A-Za-z]{38}$/);
    expect(await statusOf(secret)).toBe('active');

    const listed = await cli(nats.url, 'keys', 'list', '--org', orgId, '--json');
    expect(listed.code).toBe(0);
    const { keys } = JSON.parse(listed.stdout) as { keys: KeyJson[] };
    expect(keys.map((k) => k.id).sort()).toEqual([org.admin_key.id, key.id].sort());
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toContain(org.admin_key.secret);

    const revoked = await cli(nats.url, 'keys', 'revoke', '--org', orgId, '--id', key.id, '--json');
    expect(revoked.code).toBe(0);
    expect((JSON.parse(revoked.stdout) as { key: KeyJson }).key).toMatchObject({
      id: key.id,
      status: 'revoked',
    });
    expect(await statusOf(secret)).toBe('revoked');
    expect(await statusOf(org.admin_key.secret)).toBe('active');

    const human = await cli(nats.url, 'keys', 'list', '--org', orgId);
    expect(human.stdout).toMatch(new RegExp(`${key.id}\\s+revoked`));
  });

  it("keys revoke names the key's own organization: another organization's key is not_found and stays active", async () => {
    const mine = JSON.parse(
      (await cli(nats.url, 'org', 'create', '--name', 'Mine', '--json')).stdout,
    ) as CreatedJson;
    const theirs = JSON.parse(
      (await cli(nats.url, 'org', 'create', '--name', 'Theirs', '--json')).stdout,
    ) as CreatedJson;
    const out = await cli(
      nats.url,
      'keys',
      'revoke',
      '--org',
      mine.organization.id,
      '--id',
      theirs.admin_key.id,
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('not_found');
    expect(await statusOf(theirs.admin_key.secret)).toBe('active');
  });

  it('keys create / list in an organization that does not exist exit 1 with not_found, as JSON with --json', async () => {
    const created = await cli(
      nats.url,
      'keys',
      'create',
      '--org',
      'org_abcdefgh12345678',
      '--name',
      'x',
      '--json',
    );
    expect(created.code).toBe(1);
    expect(created.stdout).toBe('');
    expect(JSON.parse(created.stderr)).toMatchObject({ error: { code: 'not_found' } });
    const listed = await cli(nats.url, 'keys', 'list', '--org', 'org_abcdefgh12345678');
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('not_found');
  });

  it.each([
    [['keys', 'create', '--name', 'x'], '--org'],
    [['keys', 'create', '--org', 'acme', '--name', 'x'], '--org'],
    [['keys', 'create', '--org', 'org_abcdefgh12345678'], '--name'],
    [['keys', 'create', '--org', 'org_abcdefgh12345678', '--name', 'x', '--mode', 'prod'], '--mode'],
    [
      ['keys', 'create', '--org', 'org_abcdefgh12345678', '--name', 'x', '--expires-in', '2y'],
      '--expires-in',
    ],
    [['keys', 'create', '--org', 'org_abcdefgh12345678', '--name', 'x', '--mcps', 'weather'], '--mcps'],
    [['keys', 'create', '--org', 'org_abcdefgh12345678', '--name', 'x', '--scopes', 'root'], '--scopes'],
    [['keys', 'list'], '--org'],
    [['keys', 'revoke', '--org', 'org_abcdefgh12345678'], '--id'],
    [['keys', 'revoke', '--org', 'org_abcdefgh12345678', '--id', 'pk_live_x'], '--id'],
    [['keys', 'rotate'], 'unknown command'],
  ])('invalid key command %j exits 2 naming %s, and sends nothing', async (argv, mention) => {
    const out = await cli(nats.url, ...argv);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(mention);
    expect(out.stdout).toBe('');
  });

  it('--json failures are one JSON object on stderr with the exit code unchanged', async () => {
    const out = await cli(nats.url, 'org', 'get', '--id', 'nope', '--json');
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stderr)).toEqual({
      error: { code: 'usage', message: expect.stringContaining('--id') },
    });
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
