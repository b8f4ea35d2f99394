import {
  createTestSchema,
  startIsolatedNats,
  testDatabaseUrl,
  testEncryptionKeys,
} from '@plexmcp/service-kit/testing';

/** What every bench shares: its knobs, the percentiles it reports, the NATS and schema it runs on. */

/** A numeric knob of a bench: the environment variable `name` (e.g. `BENCH_ROUNDS`), else `fallback`. */
export function benchNumber(name: string, fallback: number): number {
  return Number(process.env[name] ?? fallback);
}

/** The `p`th percentile (0–100) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The JSON-RPC message every proxy benchmark posts: a `ping`, which any MCP server answers. */
export const RPC_PING_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
/** The headers of an MCP Streamable HTTP POST (the client accepts JSON or SSE). */
export const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
} as const;

/** The median of unsorted values. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** What a bench runs its services on: a private nats-server and a fresh schema of the test database. */
export interface BenchInfra {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly encryptionKeys: string;
  /** The process id of the private nats-server. */
  readonly natsPid: number;
  /** The options of a service's `bootstrap()` started in the bench's own process (any free ops port). */
  readonly serviceOptions: {
    natsUrl: string;
    opsPort: 0;
    databaseUrl: string;
    dbSchema: string;
    logLevel: 'warn';
    encryptionKeys: string;
  };
  /** Drops the schema and stops the nats-server. */
  stop(): Promise<void>;
}

export async function startBenchInfra(schemaPrefix: string): Promise<BenchInfra> {
  const nats = await startIsolatedNats();
  const { schema, drop } = await createTestSchema(schemaPrefix);
  const databaseUrl = testDatabaseUrl();
  const encryptionKeys = testEncryptionKeys();
  return {
    natsUrl: nats.url,
    databaseUrl,
    schema,
    encryptionKeys,
    natsPid: nats.process.pid ?? 0,
    serviceOptions: {
      natsUrl: nats.url,
      opsPort: 0,
      databaseUrl,
      dbSchema: schema,
      logLevel: 'warn',
      encryptionKeys,
    },
    async stop() {
      await drop();
      await nats.stop();
    },
  };
}
