// `pnpm start` used for real, as the issue that replaced PGlite describes: within minutes of
// clicking around, every uncached key got 503 and the Usage page 500 while /readyz said ready.
// Here, without DATABASE_URL (the embedded Postgres), a minute of rounds of what a dashboard user and
// their applications do must all succeed; /readyz must follow the database down and back; and
// Ctrl-C must stop everything in time without killing anything.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, startIsolatedNats, waitFor, type IsolatedNats } from '@plexmcp/service-kit/testing';
import {
  type ApiResult,
  type CliOrg,
  DataDirs,
  api,
  childPids,
  dataOf,
  createOrgWithCli,
  interrupt,
  nonJsonLines,
  readiness,
  startSystem,
  waitUntilReady,
  worldWritable,
  type StartedSystem,
} from '../src/index.js';

const SOAK_MS = 60_000;
const KEYS_PER_ROUND = 8;
const STOP_DEADLINE_MS = 15_000;
const PROCESSES = ['key-service', 'usage-service', 'api-gateway', 'postgres'];

describe('pnpm start under real use (embedded Postgres)', () => {
  let nats: IsolatedNats;
  let system: StartedSystem;
  let baseUrl: string;
  let dataDir: string;
  let org: CliOrg;
  const dataDirs = new DataDirs();

  beforeAll(async () => {
    nats = await startIsolatedNats();
    const port = await freePort();
    dataDir = dataDirs.create();
    system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
    });
    baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(system, port);
    org = await createOrgWithCli('Soak Inc', nats.url);
  }, 120_000);

  afterAll(async () => {
    system?.kill();
    await nats?.stop();
    dataDirs.removeAll();
  });

  /** The failures of a batch of calls, described for the assertion message. */
  const failed = (results: ApiResult[], expected = (r: ApiResult) => r.status >= 200 && r.status < 300) =>
    results
      .filter((r) => !expected(r))
      .map((r) => `${r.method} ${r.path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);

  it(
    `serves ${SOAK_MS / 1000} s of rounds: 8 key creations, 8 fresh keys validated at once, concurrent reads, a revoke`,
    async () => {
      const admin = org.admin_key.secret;
      const mcp = await api(baseUrl, 'POST', '/v1/mcps', admin, {
        name: 'soak-upstream',
        mode: 'live',
        upstream_url: 'https://mcp.example.com/mcp',
      });
      expect(failed([mcp])).toEqual([]);

      const failures: string[] = [];
      let rounds = 0;
      let calls = 1;
      let lastRevoked: { id: string; secret: string } | null = null;
      const startedAt = Date.now();
      while (Date.now() - startedAt < SOAK_MS && failures.length === 0) {
        rounds += 1;
        const created = await Promise.all(
          Array.from({ length: KEYS_PER_ROUND }, (_, i) =>
            api(baseUrl, 'POST', '/v1/keys', admin, {
              name: `soak ${rounds}.${i}`,
              mode: i % 2 === 0 ? 'live' : 'test',
              permissions: i % 3 === 0 ? { mcps: [dataOf<{ id: string }>(mcp).id] } : { mcps: '*' },
              scopes: ['keys:read', 'usage:read', 'mcps:read'],
              expires_in: '30d',
            }),
          ),
        );
        calls += created.length;
        failures.push(...failed(created));
        if (failures.length > 0) break;
        const keys = created.map((r) => dataOf<{ id: string; secret: string }>(r));

        // Every new key is unknown to the gateway's cache: each is validated by the key-service, at once.
        const validated = await Promise.all(keys.map((k) => api(baseUrl, 'GET', '/v1/me', k.secret)));
        calls += validated.length;
        failures.push(...failed(validated));

        const now = Date.now();
        const window = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now).toISOString()}`;
        const reads = await Promise.all([
          api(baseUrl, 'GET', '/v1/keys?limit=20', admin),
          api(
            baseUrl,
            'GET',
            `/v1/usage?${window}&granularity=minute&breakdown=mcp,status_class,country`,
            admin,
          ),
          api(baseUrl, 'GET', `/v1/keys/${keys[0]!.id}/usage?${window}&granularity=hour`, admin),
          api(baseUrl, 'GET', '/v1/alerts', admin),
          api(baseUrl, 'GET', '/v1/audit', admin),
          api(baseUrl, 'GET', '/v1/mcps', admin),
          // A fresh key reads with its own scopes, as an application would.
          api(baseUrl, 'GET', '/v1/mcps', keys[1]!.secret),
          api(baseUrl, 'GET', `/v1/keys/${keys[2]!.id}/usage?granularity=day`, keys[2]!.secret),
        ]);
        calls += reads.length;
        failures.push(...failed(reads));

        const victim = keys[rounds % KEYS_PER_ROUND]!;
        const revoked = await api(baseUrl, 'DELETE', `/v1/keys/${victim.id}`, admin);
        calls += 1;
        failures.push(...failed([revoked]));
        lastRevoked = victim;
      }

      expect(failures.slice(0, 10)).toEqual([]);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SOAK_MS);
      expect(rounds).toBeGreaterThan(5);
      // Revocation held under load: the last revoked key is refused from the moment DELETE returned.
      const refused = await api(baseUrl, 'GET', '/v1/me', lastRevoked!.secret);
      expect(refused.status).toBe(401);
      expect((await readiness(baseUrl)).status).toBe(200);
      process.stdout.write(`soak: ${rounds} rounds, ${calls} calls, all 2xx\n`);
    },
    SOAK_MS + 120_000,
  );

  it('answers /readyz 503 while the database is stopped and 200 again once it is back', async () => {
    const postgres = system.pids().get('postgres')!;
    expect((await readiness(baseUrl)).status).toBe(200);

    // Freeze the whole embedded Postgres, the postmaster and every backend (each runs in a session
    // of its own): connections stay open but nothing answers, the hardest failure for a health check.
    const frozen = [postgres, ...childPids(postgres)];
    expect(frozen.length).toBeGreaterThan(2);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    let down: { status: number; body: unknown };
    try {
      const stoppedAt = Date.now();
      down = await waitFor(
        async () => {
          const r = await readiness(baseUrl);
          return r.status === 503 ? r : null;
        },
        { timeoutMs: 10_000, intervalMs: 250, message: '/readyz to answer 503 with the database stopped' },
      );
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    // Both services report their own database check: neither is taken for ready.
    expect(down.body).toMatchObject({
      success: false,
      error: {
        code: 'service_unavailable',
        details: expect.arrayContaining([
          { field: 'key_service', message: 'unavailable' },
          { field: 'usage_service', message: 'unavailable' },
        ]) as unknown,
      },
    });

    await waitFor(async () => (await readiness(baseUrl)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 250,
      message: '/readyz to answer 200 once the database runs again',
    });

    // Postgres itself stops (fast shutdown): the supervisor starts it again on the same port, and
    // the services' pools reconnect to it.
    process.kill(postgres, 'SIGINT');
    await waitFor(() => system.pids().get('postgres') !== postgres, {
      timeoutMs: 30_000,
      message: 'the embedded Postgres to be restarted',
    });
    await waitFor(async () => (await readiness(baseUrl)).status === 200, {
      timeoutMs: 60_000,
      intervalMs: 250,
      message: '/readyz to answer 200 after Postgres restarted',
    });
    const key = await api(baseUrl, 'POST', '/v1/keys', org.admin_key.secret, { name: 'after restart' });
    expect(key.status).toBe(201);
    expect((await api(baseUrl, 'GET', '/v1/me', dataOf<{ secret: string }>(key).secret)).status).toBe(200);
  }, 150_000);

  it('keeps its data private and stops every process on Ctrl-C within 15 s, none killed', async () => {
    expect(worldWritable(dataDir)).toEqual([]);
    const pids = system.pids();
    for (const name of PROCESSES) expect(pids.has(name)).toBe(true);

    const stopped = await interrupt(system, STOP_DEADLINE_MS);

    expect(stopped.exit).toEqual({ code: 0, signal: null });
    expect(stopped.elapsedMs).toBeLessThan(STOP_DEADLINE_MS);
    expect(stopped.survivors).toEqual([]);
    expect(stopped.survivingPids).toEqual([]);
    const output = system.output();
    expect(output).not.toContain('killing it (SIGKILL)');
    expect(output).toContain('every process exited on its own');
    for (const name of PROCESSES) expect(output).toContain(`${name} stopped (code 0)`);
    // The whole run's output is JSON lines, ready for jq.
    expect(nonJsonLines(output)).toEqual([]);
  }, 30_000);
});
