/**
 * `pnpm bench:key-service`: keys.validate round trips over NATS against 100,000
 * keys. Starts a private nats-server and a key-service process (the built key-service's `dist/main.js`) on a
 * fresh Postgres schema (DATABASE_URL, default the local test database), bulk-loads the keys with
 * one INSERT … SELECT, then measures sequential latency and concurrent throughput from this
 * process, as a gateway on a cache miss would see them. The schema is dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Subjects, healthReplySchema, validateKeyReplySchema } from '@plexmcp/contracts';
import { NatsRpcClient, connectNats } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import pg from 'pg';
import { validateKeySql } from '@plexmcp/key-service';
import { benchNumber, percentile, startBenchInfra } from './bench-helpers.js';

const KEY_COUNT = benchNumber('BENCH_KEYS', 100_000);
const ORG_COUNT = 1_000;
const WARMUP = 2_000;
const SEQUENTIAL = 5_000;
const CONCURRENT_TOTAL = 20_000;
const CONCURRENCY = benchNumber('BENCH_CONCURRENCY', 32);

const benchHash = (n: number) => createHash('sha256').update(`bench-key-${n}`).digest('hex');
const randomKey = () => 1 + Math.floor(Math.random() * KEY_COUNT);

interface Result {
  name: string;
  requests: number;
  seconds: number;
  latencies: number[];
}

function report({ name, requests, seconds, latencies }: Result): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  process.stdout.write(
    `${name.padEnd(28)} ${String(Math.round(requests / seconds)).padStart(8)} req/s   ` +
      `p50 ${percentile(sorted, 50).toFixed(3)} ms   p99 ${percentile(sorted, 99).toFixed(3)} ms   ` +
      `(${requests} requests)\n`,
  );
}

async function run(
  name: string,
  total: number,
  concurrency: number,
  call: () => Promise<void>,
): Promise<Result> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        issued++;
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { name, requests: total, seconds: (performance.now() - started) / 1000, latencies };
}

async function main(): Promise<void> {
  const infra = await startBenchInfra('bench');
  const { natsUrl, databaseUrl, schema, encryptionKeys } = infra;
  let service: ChildProcess | undefined;
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    // The built key-service's own entry point, beside the `index.js` its package exports.
    const main = path.join(
      path.dirname(fileURLToPath(import.meta.resolve('@plexmcp/key-service'))),
      'main.js',
    );
    service = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        KEY_SERVICE_DATABASE_URL: databaseUrl,
        KEY_SERVICE_DB_SCHEMA: schema,
        PLEXMCP_ENCRYPTION_KEYS: encryptionKeys,
        LOG_LEVEL: 'warn',
        OPS_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const nc = await connectNats(natsUrl, 'validate-bench');
    const rpc = new NatsRpcClient(nc, 5_000);
    await waitFor(() => rpc.call(Subjects.keys.health, {}, healthReplySchema), {
      timeoutMs: 30_000,
      message: 'the key-service to answer',
    });

    await db.connect();
    await db.query(`SET search_path TO "${schema}"`);
    const loadStarted = performance.now();
    await db.query(`
      INSERT INTO organizations (id, name)
      SELECT 'org_bench' || lpad(g::text, 8, '0'), 'Bench ' || g FROM generate_series(1, ${ORG_COUNT}) g`);
    await db.query(`
      INSERT INTO api_keys (id, org_id, name, mode, key_hash, prefix, last4, permissions, scopes, expires_at)
      SELECT 'key_bench' || lpad(g::text, 8, '0'), 'org_bench' || lpad((1 + g % ${ORG_COUNT})::text, 8, '0'),
             'bench ' || g, 'live', encode(sha256(('bench-key-' || g)::bytea), 'hex'), 'pk_live_Bnch', 'abcd',
             '{"mcps":"*"}', '{keys:read}', now() + interval '90 days'
        FROM generate_series(1, ${KEY_COUNT}) g`);
    await db.query('ANALYZE organizations; ANALYZE api_keys');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
    process.stdout.write(
      `keys.validate over NATS: ${rows[0]!.n} keys loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s ` +
        `(one INSERT … SELECT), key-service in its own process\n`,
    );

    const validateOne = async () => {
      const reply = await rpc.call(
        Subjects.keys.validate,
        { key_hash: benchHash(randomKey()) },
        validateKeyReplySchema,
      );
      if (reply.status !== 'active') throw new Error(`unexpected status ${reply.status}`);
    };
    // Baselines measured in the same run (the machine is shared, so compare ratios, not absolutes):
    // keys.health is the same NATS + Nest round trip with one lookup that finds nothing (its
    // database check runs the validation statement for a hash no key has; concurrent checks share
    // one query); the direct query is the database part alone, from this process.
    const healthOne = async () => {
      await rpc.call(Subjects.keys.health, {}, healthReplySchema);
    };
    const queryOne = async () => {
      const { rowCount } = await db.query({
        name: 'bench_validate',
        text: validateKeySql(schema),
        values: [benchHash(randomKey())],
      });
      if (rowCount !== 1) throw new Error('key not found');
    };
    await run('warm-up', WARMUP, CONCURRENCY, validateOne);
    process.stdout.write('\nkeys.validate (NATS → key-service → Postgres → reply)\n');
    report(await run('sequential (1 in flight)', SEQUENTIAL, 1, validateOne));
    report(await run(`concurrent (${CONCURRENCY} in flight)`, CONCURRENT_TOTAL, CONCURRENCY, validateOne));
    process.stdout.write(
      '\nbaseline: keys.health (same RPC path, one validation lookup that finds nothing)\n',
    );
    report(await run('sequential (1 in flight)', SEQUENTIAL, 1, healthOne));
    report(await run(`concurrent (${CONCURRENCY} in flight)`, CONCURRENT_TOTAL, CONCURRENCY, healthOne));
    process.stdout.write('\nbaseline: the validate statement alone, one pg connection\n');
    report(await run('sequential (1 in flight)', SEQUENTIAL, 1, queryOne));
    await nc.close();
  } finally {
    if (service && service.exitCode === null) {
      await new Promise<void>((resolve) => {
        service!.once('exit', () => resolve());
        service!.kill('SIGTERM');
      });
    }
    await db.end().catch(() => undefined);
    await infra.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
