import { z } from 'zod';
import {
  requireDatabaseUrl,
  baseServiceEnv,
  booleanSchema,
  encryptionKeysSchema,
  defineServiceConfig,
  type ServiceConfigOverrides,
  msSchema,
  opsPortSchema,
  intSchema,
  postgresUrlSchema,
  schemaNameSchema,
} from '@plexmcp/service-kit';

const positiveInt = (defaultValue: number, max = 1_000_000_000) => intSchema(defaultValue, 1, max);
const positiveNumber = (defaultValue: number) =>
  z.coerce.number().positive().max(1_000_000).default(defaultValue);
const fraction = (defaultValue: number) => z.coerce.number().min(0).max(1).default(defaultValue);

/** `5000,30000,…`: milliseconds to wait before each retry (the first attempt is immediate). */
const retryScheduleSchema = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of milliseconds')
  .default('5000,30000,120000,600000,1800000,7200000,18000000,36000000')
  .transform((s) => s.split(',').map(Number));

/**
 * Environment of the usage-service (validated once at start-up; a bad value stops the process
 * with a message naming the variable).
 *
 * - NATS_URL, the NATS credentials (NATS_USER/NATS_PASSWORD, NATS_CREDS, NATS_TOKEN, NATS_TLS_*),
 *   LOG_LEVEL, LOG_FORMAT (`json` or `pretty`): shared by every service.
 * - USAGE_STREAM_REPLICAS (1): replicas of the USAGE JetStream stream (1–5; 3 on a NATS cluster).
 * - DATABASE_URL / USAGE_SERVICE_DATABASE_URL: Postgres (the latter wins); USAGE_SERVICE_DB_SCHEMA
 *   the schema owning every table (default `usage_service`).
 * - INGEST_BATCH_SIZE (default 2000): events committed per transaction; INGEST_BATCH_WAIT_MS
 *   (default 50): how long a partial batch waits for more events; INGEST_CONCURRENCY (default 2):
 *   batches committed at the same time (each on its own connection); INGEST_ACK_WAIT_MS (default
 *   30000): JetStream redelivers a message not acknowledged within this time.
 * - USAGE_RETENTION_MINUTE_DAYS (7), USAGE_RETENTION_HOUR_DAYS (90), USAGE_RETENTION_DAY_DAYS
 *   (730): how long each granularity is kept; DEDUP_RETENTION_HOURS (192): how long event ids are
 *   remembered (must exceed the stream's max age of 7 days plus the publisher's outage buffer).
 * - ROLLUP_INTERVAL_MS (10000): how often closed minutes are added into the hour and day tables;
 *   ROLLUP_DELAY_MS (120000): how long after its end a minute is rolled up (events older than that
 *   when they arrive are written to all three tables directly).
 * - KEYS_USED_FLUSH_MS (5000): how often `last_used_at` updates are published to the key-service.
 * - LIMITS_SWEEP_MS (1000): how often expired limit blocks are cleared and unannounced ones published.
 * - ANOMALY_*: see `AnomalyThresholds` in alerts/anomaly-rules.ts for what each threshold means.
 * - ALERT_COOLDOWN_MS (3600000): an alert of one type for one key is raised at most once per window.
 * - KEY_EXPIRY_WARNING_DAYS (7): `key_expiring` is raised this long before a key expires.
 * - WEBHOOK_RETRY_SCHEDULE_MS: milliseconds before each retry; WEBHOOK_RETRY_JITTER (0.2): ± that
 *   fraction of each delay at random.
 * - WEBHOOK_TIMEOUT_MS (10000): total deadline of one delivery attempt — name resolution, connect,
 *   sending, response headers and reading the response body; a receiver still busy then is cut
 *   off and the attempt counts as failed (retried per the schedule).
 * - WEBHOOK_CONCURRENCY (16): attempts in flight at once per instance, each to a different
 *   endpoint (an endpoint gets one attempt at a time), so a slow receiver holds one slot, never
 *   another endpoint's deliveries.
 * - WEBHOOK_POLL_MS (500): how often due deliveries are looked for (new ones are sent at once).
 * - WEBHOOK_ALLOW_PRIVATE_NETWORKS (false): endpoints resolving to private, loopback or otherwise
 *   non-public addresses are refused unless this is true; link-local and cloud metadata
 *   addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254, …) are refused always.
 * - GEOIP_DATABASE_PATH: an .mmdb country database; default the bundled CC0 geo-whois-asn-country.
 * - OPS_PORT (9102; 0 = any free port): the ops HTTP server (`/metrics`, `/healthz`, `/readyz`).
 * - PLEXMCP_ENCRYPTION_KEYS (required): keyring `id:base64,…` of 32-byte AES-256-GCM keys that
 *   encrypt webhook signing secrets at rest; the first encrypts, all decrypt (see service-kit's
 *   `Keyring`). Generate a key with `openssl rand -base64 32`.
 */
export const usageServiceEnvSchema = z.object({
  ...baseServiceEnv,
  DATABASE_URL: postgresUrlSchema.optional(),
  USAGE_SERVICE_DATABASE_URL: postgresUrlSchema.optional(),
  USAGE_SERVICE_DB_SCHEMA: schemaNameSchema.default('usage_service'),
  DB_POOL_SIZE: positiveInt(10, 100),
  INGEST_BATCH_SIZE: positiveInt(2000, 20_000),
  INGEST_BATCH_WAIT_MS: msSchema(50, 1, 10_000),
  INGEST_CONCURRENCY: positiveInt(2, 16),
  INGEST_ACK_WAIT_MS: msSchema(30_000, 1_000, 600_000),
  USAGE_RETENTION_MINUTE_DAYS: positiveInt(7, 3650),
  USAGE_RETENTION_HOUR_DAYS: positiveInt(90, 3650),
  USAGE_RETENTION_DAY_DAYS: positiveInt(730, 36500),
  DEDUP_RETENTION_HOURS: positiveInt(192, 24 * 3650),
  RETENTION_SWEEP_MS: msSchema(600_000, 1_000, 86_400_000),
  ROLLUP_INTERVAL_MS: msSchema(10_000, 10, 600_000),
  ROLLUP_DELAY_MS: msSchema(120_000, 0, 86_400_000),
  KEYS_USED_FLUSH_MS: msSchema(5_000, 10, 600_000),
  LIMITS_SWEEP_MS: msSchema(1_000, 10, 600_000),
  ANOMALY_EVAL_MS: msSchema(5_000, 10, 600_000),
  ANOMALY_WINDOW_MINUTES: positiveInt(5, 60),
  ANOMALY_BASELINE_HOURS: positiveInt(24, 24 * 30),
  ANOMALY_ERROR_MIN_REQUESTS: positiveInt(20),
  ANOMALY_ERROR_MIN_RATE: fraction(0.25),
  ANOMALY_ERROR_BASELINE_FACTOR: positiveNumber(5),
  ANOMALY_REQUEST_SPIKE_FACTOR: positiveNumber(10),
  ANOMALY_REQUEST_MIN_PER_MINUTE: positiveNumber(60),
  ANOMALY_REQUEST_MIN_BASELINE_MINUTES: positiveInt(60, 100_000),
  ALERT_COOLDOWN_MS: msSchema(3_600_000, 1, 30 * 86_400_000),
  KEY_EXPIRY_WARNING_DAYS: positiveInt(7, 365),
  /** How often active keys expiring within KEY_EXPIRY_WARNING_DAYS are looked up (used or not). */
  KEY_EXPIRY_SWEEP_MS: msSchema(60_000, 100, 86_400_000),
  WEBHOOK_RETRY_SCHEDULE_MS: retryScheduleSchema,
  WEBHOOK_RETRY_JITTER: fraction(0.2),
  WEBHOOK_TIMEOUT_MS: msSchema(10_000, 100, 120_000),
  WEBHOOK_CONCURRENCY: positiveInt(16, 1_000),
  WEBHOOK_POLL_MS: msSchema(500, 10, 60_000),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanSchema(false),
  GEOIP_DATABASE_PATH: z.string().min(1).optional(),
  PLEXMCP_ENCRYPTION_KEYS: encryptionKeysSchema,
  OPS_PORT: opsPortSchema(9102),
  USAGE_STREAM_REPLICAS: intSchema(1, 1, 5),
});
export type UsageServiceEnv = z.infer<typeof usageServiceEnvSchema>;

/**
 * Settings tests (and embedders) pass instead of environment variables, and the variable each one
 * sets; any other variable of `usageServiceEnvSchema` can be passed by name under `env`.
 */
const usageServiceAliases = {
  natsUrl: 'NATS_URL',
  databaseUrl: 'USAGE_SERVICE_DATABASE_URL',
  dbSchema: 'USAGE_SERVICE_DB_SCHEMA',
  logLevel: 'LOG_LEVEL',
  webhookAllowPrivateNetworks: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  /** `id:base64,…` (tests use `testEncryptionKeys()`). */
  encryptionKeys: 'PLEXMCP_ENCRYPTION_KEYS',
  /** Tests pass 0. */
  opsPort: 'OPS_PORT',
} as const;

export const loadUsageServiceConfig = defineServiceConfig({
  schema: usageServiceEnvSchema,
  aliases: usageServiceAliases,
  derive: (env) => ({
    databaseUrl: requireDatabaseUrl(
      { variable: 'USAGE_SERVICE_DATABASE_URL', value: env.USAGE_SERVICE_DATABASE_URL },
      env.DATABASE_URL,
    ),
  }),
});

export type UsageServiceConfig = ReturnType<typeof loadUsageServiceConfig>;
export type BootstrapOverrides = ServiceConfigOverrides<
  typeof usageServiceEnvSchema,
  keyof typeof usageServiceAliases
>;
