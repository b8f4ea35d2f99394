import { z } from 'zod';
import {
  requireDatabaseUrl,
  type ServiceConfigOverrides,
  baseServiceEnv,
  booleanSchema,
  cidrListSchema,
  encryptionKeysSchema,
  intSchema,
  defineServiceConfig,
  msSchema,
  opsPortSchema,
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
 * - `IDEMPOTENCY_SWEEP_INTERVAL_MS` (default 600000): how often Idempotency-Key records older than
 *   24 h are deleted (one instance at a time cluster-wide).
 * - `KEY_EVENT_ACK_TIMEOUT_MS` (default 250): how long one round of a cache-eviction event waits
 *   for every live gateway's acknowledgement; a gateway still missing gets the event again until
 *   it acknowledges or its heartbeat TTL lapses (it then distrusts its own cache).
 * - `KEY_EVENT_DELIVERY_TIMEOUT_MS` (default 65000, above the longest heartbeat TTL of 60 s):
 *   longest wait for a gateway that keeps heartbeating without acknowledging; past it the change
 *   answers 503 (saved, gateways not confirmed).
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
 * - `OPS_PORT` (default 9101; 0 = any free port): the ops HTTP server (`/metrics`, `/healthz`,
 *   `/readyz`).
 * - `SESSION_TTL_MS` (default 8 h): longest life of a person's dashboard session.
 * - `SIGN_IN_FREE_ATTEMPTS` (default 5), `SIGN_IN_LOCKOUT_MS` (default 30 s),
 *   `SIGN_IN_LOCKOUT_MAX_MS` (default 1 h): after that many consecutive wrong passwords or codes,
 *   each further one locks the account for the lockout, doubling up to the maximum.
 * - `MAIL_TRANSPORT` (default `log`): how one-time links (password set/reset) reach people; `log`
 *   writes the link in one log line of this service (development, single operator).
 * - `DASHBOARD_URL` (default `http://localhost:3000/dashboard/`): the public dashboard address the
 *   links point into.
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
  IDEMPOTENCY_SWEEP_INTERVAL_MS: msSchema(600_000, 50),
  KEY_EVENT_ACK_TIMEOUT_MS: msSchema(250, 1, 60_000),
  KEY_EVENT_DELIVERY_TIMEOUT_MS: msSchema(65_000, 1, 600_000),
  KEY_SERVICE_SHUTDOWN_GRACE_MS: msSchema(500, 0, 60_000),
  MCP_ISOLATE_TEST_UPSTREAMS: booleanSchema(false),
  MCP_UPSTREAM_ALLOWED_NETWORKS: cidrListSchema,
  PLEXMCP_ENCRYPTION_KEYS: encryptionKeysSchema,
  OPS_PORT: opsPortSchema(9101),
  SESSION_TTL_MS: msSchema(8 * 3_600_000, 60_000, 30 * 86_400_000),
  SIGN_IN_FREE_ATTEMPTS: intSchema(5, 1, 100),
  SIGN_IN_LOCKOUT_MS: msSchema(30_000, 1, 86_400_000),
  SIGN_IN_LOCKOUT_MAX_MS: msSchema(3_600_000, 1, 7 * 86_400_000),
  MAIL_TRANSPORT: z.enum(['log']).default('log'),
  DASHBOARD_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000/dashboard/'),
});

/**
 * Settings a caller (tests, embedding) may pass instead of environment variables, and the variable
 * each one sets; any other variable can be passed by name under `env`.
 */
const keyServiceAliases = {
  natsUrl: 'NATS_URL',
  databaseUrl: 'KEY_SERVICE_DATABASE_URL',
  dbSchema: 'KEY_SERVICE_DB_SCHEMA',
  logLevel: 'LOG_LEVEL',
  sweepIntervalMs: 'KEY_SWEEP_INTERVAL_MS',
  idempotencySweepIntervalMs: 'IDEMPOTENCY_SWEEP_INTERVAL_MS',
  eventAckTimeoutMs: 'KEY_EVENT_ACK_TIMEOUT_MS',
  eventDeliveryTimeoutMs: 'KEY_EVENT_DELIVERY_TIMEOUT_MS',
  dbPoolSize: 'KEY_SERVICE_DB_POOL_SIZE',
  shutdownGraceMs: 'KEY_SERVICE_SHUTDOWN_GRACE_MS',
  isolateTestUpstreams: 'MCP_ISOLATE_TEST_UPSTREAMS',
  /** A list (tests run upstreams on loopback). */
  mcpUpstreamAllowedNetworks: 'MCP_UPSTREAM_ALLOWED_NETWORKS',
  /** `id:base64,…` (tests use `testEncryptionKeys()`). */
  encryptionKeys: 'PLEXMCP_ENCRYPTION_KEYS',
  /** Tests pass 0. */
  opsPort: 'OPS_PORT',
} as const;

/** Validates the environment merged with the overrides into one configuration. */
export const loadKeyServiceConfig = defineServiceConfig({
  schema: keyServiceEnvSchema,
  aliases: keyServiceAliases,
  derive: (env) => {
    const own = { variable: 'KEY_SERVICE_DATABASE_URL', value: env.KEY_SERVICE_DATABASE_URL };
    return {
      /** What the data source and the migrations need. */
      database: {
        databaseUrl: requireDatabaseUrl(own, env.DATABASE_URL),
        dbSchema: env.KEY_SERVICE_DB_SCHEMA,
        dbPoolSize: env.KEY_SERVICE_DB_POOL_SIZE,
      },
    };
  },
});

export type KeyServiceConfig = ReturnType<typeof loadKeyServiceConfig>;
export type KeyServiceOverrides = ServiceConfigOverrides<
  typeof keyServiceEnvSchema,
  keyof typeof keyServiceAliases
>;
