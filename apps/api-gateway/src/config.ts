import {
  baseServiceEnv,
  booleanSchema,
  cidrListSchema,
  intSchema,
  defineServiceConfig,
  msSchema,
  natsAuthEnv,
} from '@plexmcp/service-kit';
import { z } from 'zod';
import { loadScannerPublicKeys } from './secret-scanning/scanner-public-keys.js';
import { sessionEnv } from './session/session.config.js';

const corsOriginsSchema = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const origins = value
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
    for (const origin of origins) {
      const parsed = URL.canParse(origin) ? new URL(origin) : null;
      if (parsed === null || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        ctx.addIssue({
          code: 'custom',
          message: `"${origin}" is not an origin like https://app.example.com`,
        });
      }
    }
    return origins;
  });

/**
 * Every environment variable the api-gateway reads, validated once at start-up. A bad value stops
 * the process with a message naming the variable.
 */
export const gatewayEnvSchema = z.object({
  /** NATS server(s), comma-separated: `nats://host:4222`. Default `nats://127.0.0.1:4222`. */
  NATS_URL: baseServiceEnv.NATS_URL,
  /** Its NATS credentials: NATS_USER/NATS_PASSWORD, NATS_CREDS or NATS_TOKEN; NATS_TLS_CA/CERT/KEY. */
  ...natsAuthEnv,
  /** pino level: fatal | error | warn | info | debug | trace | silent. Default `info`. */
  LOG_LEVEL: baseServiceEnv.LOG_LEVEL,
  /** `json` (one JSON object per line) or `pretty` (human-readable, for a terminal). Default `json`. */
  LOG_FORMAT: baseServiceEnv.LOG_FORMAT,
  /** HTTP port. Default 3000; `0` picks a free port (tests). */
  PORT: intSchema(3000, 0, 65_535),
  /** Interface to bind. Default `0.0.0.0`. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` is believed. Default none:
   * the client IP is the socket peer address.
   */
  TRUSTED_PROXIES: cidrListSchema,
  /** Name of this instance in heartbeats and revoke acknowledgements. Default: random. */
  INSTANCE_ID: z.string().min(1).max(100).optional(),
  /** How long a key validation over NATS may take before the request fails closed with 503. */
  KEY_SERVICE_TIMEOUT_MS: msSchema(1_000, 10, 60_000),
  /** Timeout of health probes (`keys.health`, `usage.health`) behind GET /readyz. */
  READY_CHECK_TIMEOUT_MS: msSchema(500, 10, 60_000),
  /** Timeout of `usage.blocks`, loaded at start-up and after every NATS reconnect. */
  USAGE_SERVICE_TIMEOUT_MS: msSchema(1_000, 10, 60_000),
  /** Retry interval while the usage-service cannot list the current limit blocks. */
  USAGE_BLOCKS_RETRY_MS: msSchema(5_000, 50, 600_000),
  /** Longest time an allowed decision is served from the local cache (also capped by key expiry). */
  AUTH_CACHE_TTL_MS: msSchema(60_000, 0, 3_600_000),
  /** How long an unknown/revoked/expired answer is cached (slows repeated bad keys). */
  AUTH_NEGATIVE_CACHE_TTL_MS: msSchema(2_000, 0, 600_000),
  /** Most key decisions kept in memory (LRU). */
  AUTH_CACHE_MAX_ENTRIES: intSchema(100_000, 1, 10_000_000),
  /** How long an MCP routing record (upstream URL and headers) is cached. */
  MCP_CACHE_TTL_MS: msSchema(60_000, 0, 3_600_000),
  /** Failed authentications (401) allowed per client IP per minute; then 429 for the rest of it. */
  AUTH_FAILURES_PER_MINUTE: intSchema(30, 1, 1_000_000),
  /**
   * Redis shared by every gateway instance, `redis://[user:password@]host:6379[/db]` (or `rediss://`).
   * Set: per-key rate limits and the failed-authentication throttle count across all gateways; while
   * Redis is unreachable each instance falls back to counting in its own memory (see README, Rate
   * limits). Unset: every gateway counts for itself.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  /** Prefix of every Redis key and channel the gateways use, so several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).max(100).default('plexmcp:'),
  /**
   * Longest wait for one Redis command (a rate-limit check) before the request is decided by the
   * instance's in-memory fallback instead.
   */
  REDIS_COMMAND_TIMEOUT_MS: msSchema(100, 5, 10_000),
  /** Largest accepted request body in bytes (REST and MCP proxy). Larger is 413. Default 1 MiB. */
  BODY_LIMIT_BYTES: intSchema(1_048_576, 1_024, 1_073_741_824),
  /**
   * Time allowed for an upstream MCP server's response headers, measured from when the gateway
   * received the request (waiting for a pool connection included); then 504 `upstream_timeout`.
   */
  UPSTREAM_TIMEOUT_MS: msSchema(30_000, 10, 3_600_000),
  /** Longest silence inside an upstream response body (SSE included); 0 disables. */
  UPSTREAM_BODY_TIMEOUT_MS: msSchema(0, 0, 86_400_000),
  /** Keep-alive connections per upstream origin, shared by every organization's MCPs on it. */
  UPSTREAM_CONNECTIONS: intSchema(128, 1, 10_000),
  /**
   * Comma-separated CIDRs MCP upstreams may connect into although they are not public (e.g.
   * `10.0.0.0/8,127.0.0.0/8,::1/128`). Default none. Every upstream connection is checked on the
   * address it actually uses (after DNS); any other private, loopback or non-public address — and
   * link-local or cloud metadata addresses always — fails the request with 502 before anything is
   * sent. Set the same value on the key-service, which checks upstream URLs at registration.
   */
  MCP_UPSTREAM_ALLOWED_NETWORKS: cidrListSchema,
  /**
   * Most exchanges (requests in flight, open SSE streams) one organization may hold on one upstream
   * origin (capped at UPSTREAM_CONNECTIONS); past it, 429 `rate_limited` with `Retry-After`.
   * Default: three quarters of UPSTREAM_CONNECTIONS — one organization can use most of an origin
   * it has to itself, and another always finds a quarter free.
   */
  UPSTREAM_CONNECTIONS_PER_ORG: z.coerce.number().int().min(1).max(10_000).optional(),
  /** The same bound for one API key (capped at UPSTREAM_CONNECTIONS). Default: half of it. */
  UPSTREAM_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).max(10_000).optional(),
  /**
   * Usage tallies held (open, or published but not yet acknowledged, e.g. while NATS/JetStream is
   * away); a request that would need one more is counted as dropped instead.
   */
  EVENT_BUFFER_SIZE: intSchema(100_000, 1, 10_000_000),
  /** Usage report messages published concurrently (awaiting JetStream acks). */
  EVENT_PUBLISH_CONCURRENCY: intSchema(64, 1, 10_000),
  /** Most usage tallies in one JetStream message (`request.tally`). */
  EVENT_BATCH_SIZE: intSchema(200, 1, 1_000),
  /**
   * How often the usage tallies of the requests served are published: the most usage a gateway
   * crash (SIGKILL) can lose, plus reports not yet acknowledged. A graceful stop loses nothing.
   */
  USAGE_REPORT_INTERVAL_MS: msSchema(250, 5, 5_000),
  /** Heartbeat period on `gateway.heartbeat`; the TTL announced is three periods. */
  HEARTBEAT_INTERVAL_MS: msSchema(1_000, 100, 20_000),
  /**
   * While NATS is away, cached decisions keep being served for this long, then the cache is dropped
   * and every key fails closed until NATS is back. Unset: three heartbeat intervals (see
   * `outageGraceMs`), the time the key-service keeps waiting for this instance's acknowledgements.
   */
  NATS_OUTAGE_CACHE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  /**
   * On shutdown, how long requests in flight may still finish; then open MCP streams and every
   * remaining connection are cut (an SSE stream never ends by itself). Default 5 s.
   */
  SHUTDOWN_GRACE_MS: msSchema(5_000, 0, 600_000),
  /**
   * One info line per successful answer (request id, route, status, key id, latency; never
   * headers or bodies). Errors are always logged; health probes and scrapes never are.
   */
  ACCESS_LOG: booleanSchema(true),
  /** Serve GET /docs (the API reference) and GET /docs/openapi.json (the OpenAPI document). */
  DOCS_ENABLED: booleanSchema(true),
  /**
   * Browser origins allowed to call the API cross-origin (CORS), comma-separated, each exactly
   * `scheme://host[:port]` as the browser sends it in `Origin`. Default none: no CORS headers at all.
   */
  CORS_ORIGINS: corsOriginsSchema,
  /**
   * Public keys of the secret scanners allowed to report leaked keys (`POST /v1/secret-scanning/…`):
   * GitHub's `{"public_keys": […]}` JSON or PEM keys, inline or in the file this names. Unset:
   * every report is refused. Read once at start-up; nothing is fetched.
   */
  SECRET_SCANNING_PUBLIC_KEYS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return loadScannerPublicKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
  /** Dashboard and its sessions: SESSION_SECRET, SESSION_TTL_MS, PLEXMCP_DATA_DIR, DASHBOARD_*. */
  ...sessionEnv,
});

/** The validated variables, and `natsAuth` (its NATS credentials). */
export type GatewayConfig = ReturnType<typeof loadConfiguration>;
export type GatewayEnv = Partial<Record<keyof z.infer<typeof gatewayEnvSchema>, string>>;

const loadConfiguration = defineServiceConfig({ schema: gatewayEnvSchema });

/** `overrides` are variables by name (tests pass NATS_URL, PORT=0, …), applied over `env`. */
export function loadGatewayConfig(
  overrides: GatewayEnv = {},
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  return loadConfiguration({ env: overrides }, env);
}

/**
 * How long cached decisions are trusted while NATS is away: NATS_OUTAGE_CACHE_GRACE_MS, or else
 * the heartbeat TTL (three intervals) — as long as the key-service still counts this instance
 * among those whose acknowledgement a revoke waits for, and not a moment longer.
 */
export function outageGraceMs(config: GatewayConfig): number {
  return config.NATS_OUTAGE_CACHE_GRACE_MS ?? config.HEARTBEAT_INTERVAL_MS * 3;
}
