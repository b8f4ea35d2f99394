import { z } from 'zod';
import { randomBase62 } from '@plexmcp/contracts';
import {
  type Keyring,
  type LogFormat,
  type NatsAuth,
  baseServiceEnv,
  checkNatsAuth,
  booleanSchema,
  cidrListSchema,
  encryptionKeysSchema,
  intSchema,
  loadConfig,
  msSchema,
  natsAuthOf,
  postgresUrlSchema,
  schemaNameSchema,
} from '@plexmcp/service-kit';

/**
 * Environment of the key-service, validated once at start-up.
 *
 * - `NATS_URL`, the NATS credentials (`NATS_USER`/`NATS_PASSWORD`, `NATS_CREDS`, `NATS_TOKEN`,
 *   `NATS_TLS_*`), `LOG_LEVEL`, `LOG_FORMAT` (`json` or `pretty`): shared by every service.
 * - `KEY_SERVICE_DATABASE_URL` (falls back to `DATABASE_URL`, one of them required): Postgres.
 * - `KEY_SERVICE_DB_SCHEMA` (default `key_service`): the schema this service owns.
 * - `KEY_SERVICE_DB_POOL_SIZE` (default 10): Postgres connections per instance.
 * - `KEY_SWEEP_INTERVAL_MS` (default 5000): how often expired keys and ended rotation grace
 *   periods are swept (and their events published).
 * - `KEY_EVENT_ACK_TIMEOUT_MS` (default 250): how long a change waits for every live gateway to
 *   acknowledge its cache-eviction event before replying anyway.
 * - `KEY_SERVICE_SHUTDOWN_GRACE_MS` (default 500): on shutdown, time given to in-flight requests
 *   after the service stopped taking new ones.
 * - `MCP_ISOLATE_TEST_UPSTREAMS` (default false): when true, a test MCP may not share an upstream
 *   origin (scheme, host, port) with a live MCP of the same organization, so test traffic — never
 *   billed nor limited — cannot reach a live upstream under a test MCP's name (409 `conflict`).
 * - `MCP_UPSTREAM_ALLOWED_NETWORKS` (default none): comma-separated CIDRs an MCP's `upstream_url`
 *   may point into although they are not public (e.g. `10.0.0.0/8,127.0.0.0/8,::1/128`). Any other
 *   private, loopback or non-public address is refused when an MCP is created or updated; link-local
 *   and cloud metadata addresses always are. Set the same value on every api-gateway, which
 *   checks each upstream connection again.
 * - `PLEXMCP_ENCRYPTION_KEYS` (required): keyring `id:base64,…` of 32-byte AES-256-GCM keys that
 *   encrypt MCP upstream headers at rest; the first encrypts, all decrypt (see service-kit's
 *   `Keyring`). Generate a key with `openssl rand -base64 32`.
 */
export const keyServiceEnvSchema = z.object({
  ...baseServiceEnv,
  DATABASE_URL: postgresUrlSchema.optional(),
  KEY_SERVICE_DATABASE_URL: postgresUrlSchema.optional(),
  KEY_SERVICE_DB_SCHEMA: schemaNameSchema.default('key_service'),
  KEY_SERVICE_DB_POOL_SIZE: intSchema(10, 1, 200),
  KEY_SWEEP_INTERVAL_MS: msSchema(5_000, 50),
  KEY_EVENT_ACK_TIMEOUT_MS: msSchema(250, 1, 60_000),
  KEY_SERVICE_SHUTDOWN_GRACE_MS: msSchema(500, 0, 60_000),
  MCP_ISOLATE_TEST_UPSTREAMS: booleanSchema(false),
  MCP_UPSTREAM_ALLOWED_NETWORKS: cidrListSchema,
  PLEXMCP_ENCRYPTION_KEYS: encryptionKeysSchema,
});

export interface KeyServiceConfig {
  /** Identifies this process in health answers and logs; not configurable. */
  instanceId: string;
  natsUrl: string;
  natsAuth: NatsAuth;
  logLevel: string;
  logFormat: LogFormat;
  databaseUrl: string;
  dbSchema: string;
  dbPoolSize: number;
  sweepIntervalMs: number;
  eventAckTimeoutMs: number;
  shutdownGraceMs: number;
  isolateTestUpstreams: boolean;
  /** MCP_UPSTREAM_ALLOWED_NETWORKS. */
  mcpUpstreamAllowedNetworks: string[];
  /** Encrypts MCP upstream headers at rest. */
  encryptionKeys: Keyring;
}

/** Settings a caller (tests, embedding) may pass instead of environment variables. */
export interface KeyServiceOverrides {
  natsUrl?: string;
  databaseUrl?: string;
  dbSchema?: string;
  logLevel?: string;
  sweepIntervalMs?: number;
  eventAckTimeoutMs?: number;
  dbPoolSize?: number;
  shutdownGraceMs?: number;
  isolateTestUpstreams?: boolean;
  /** MCP_UPSTREAM_ALLOWED_NETWORKS as a list (tests run upstreams on loopback). */
  mcpUpstreamAllowedNetworks?: readonly string[];
  /** `PLEXMCP_ENCRYPTION_KEYS`: `id:base64,…` (tests use `testEncryptionKeys()`). */
  encryptionKeys?: string;
}

export const KEY_SERVICE_CONFIG = Symbol('KEY_SERVICE_CONFIG');

/** Merges overrides over the environment and validates the result as one configuration. */
export function loadKeyServiceConfig(
  overrides: KeyServiceOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): KeyServiceConfig {
  const merged: NodeJS.ProcessEnv = { ...env };
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) merged[name] = String(value);
  };
  set('NATS_URL', overrides.natsUrl);
  set('KEY_SERVICE_DATABASE_URL', overrides.databaseUrl);
  set('KEY_SERVICE_DB_SCHEMA', overrides.dbSchema);
  set('LOG_LEVEL', overrides.logLevel);
  set('KEY_SWEEP_INTERVAL_MS', overrides.sweepIntervalMs);
  set('KEY_EVENT_ACK_TIMEOUT_MS', overrides.eventAckTimeoutMs);
  set('KEY_SERVICE_DB_POOL_SIZE', overrides.dbPoolSize);
  set('KEY_SERVICE_SHUTDOWN_GRACE_MS', overrides.shutdownGraceMs);
  set('MCP_ISOLATE_TEST_UPSTREAMS', overrides.isolateTestUpstreams?.toString());
  set('MCP_UPSTREAM_ALLOWED_NETWORKS', overrides.mcpUpstreamAllowedNetworks?.join(','));
  set('PLEXMCP_ENCRYPTION_KEYS', overrides.encryptionKeys);

  const parsed = loadConfig(
    keyServiceEnvSchema
      .refine((e) => e.KEY_SERVICE_DATABASE_URL ?? e.DATABASE_URL, {
        message: 'DATABASE_URL or KEY_SERVICE_DATABASE_URL is required',
        path: ['DATABASE_URL'],
      })
      .superRefine(checkNatsAuth),
    merged,
  );
  return {
    instanceId: `key-service-${randomBase62(10)}`,
    natsUrl: parsed.NATS_URL,
    natsAuth: natsAuthOf(parsed),
    logLevel: parsed.LOG_LEVEL,
    logFormat: parsed.LOG_FORMAT,
    databaseUrl: (parsed.KEY_SERVICE_DATABASE_URL ?? parsed.DATABASE_URL)!,
    dbSchema: parsed.KEY_SERVICE_DB_SCHEMA,
    dbPoolSize: parsed.KEY_SERVICE_DB_POOL_SIZE,
    sweepIntervalMs: parsed.KEY_SWEEP_INTERVAL_MS,
    eventAckTimeoutMs: parsed.KEY_EVENT_ACK_TIMEOUT_MS,
    shutdownGraceMs: parsed.KEY_SERVICE_SHUTDOWN_GRACE_MS,
    isolateTestUpstreams: parsed.MCP_ISOLATE_TEST_UPSTREAMS,
    mcpUpstreamAllowedNetworks: parsed.MCP_UPSTREAM_ALLOWED_NETWORKS,
    encryptionKeys: parsed.PLEXMCP_ENCRYPTION_KEYS,
  };
}
