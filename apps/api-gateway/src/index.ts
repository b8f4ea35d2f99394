import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type GatewayHeartbeat, Subjects, randomBase62 } from '@plexmcp/contracts';
import {
  type NatsConnection,
  NatsRpcClient,
  PinoNestLogger,
  connectNats,
  ServiceShutdown,
  createLogger,
  Tracing,
  natsAuthOf,
} from '@plexmcp/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { createAuthHook } from './auth/auth.hook.js';
import { ClientIpResolver } from './auth/client-ip.js';
import { FailedAttemptThrottle } from './auth/failed-attempt-throttle.js';
import { KeyAuthority } from './auth/key-authority.js';
import { KeyDecisionCache } from './auth/key-decision-cache.js';
import { KeyRateLimiter } from './auth/key-rate-limiter.js';
import { createRateLimitStore } from './auth/rate-limit-store.js';
import { type RouteEntry, enforceRouteAccess } from './auth/route-access.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { RouteMethods, createAllowedMethodsHook } from './common/allowed-methods.hook.js';
import { CorsPolicy } from './common/cors.js';
import { createIdempotencyHooks } from './common/idempotency.hook.js';
import { createResponseLogger } from './common/response-logger.hook.js';
import {
  createClientErrorHandler,
  createExpectationHandler,
  createFrameworkErrorHandler,
} from './common/client-errors.js';
import { AnswerHeaders, computeSecurityHeaders } from './common/security-headers.js';
import { type GatewayConfig, type GatewayEnv, loadGatewayConfig, outageGraceMs } from './config.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { HeartbeatPublisher, heartbeatTtlMs } from './events/heartbeat.publisher.js';
import { KeyEventsSubscriber } from './events/key-events.subscriber.js';
import { NatsLifecycle } from './events/nats-lifecycle.js';
import { RequestEventPublisher } from './events/request-event.publisher.js';
import { createRequestRecorderHook } from './events/request-recorder.hook.js';
import { registerMeRoute } from './keys/me.route.js';
import { registerSecretScanningRoutes } from './secret-scanning/secret-scanning.route.js';
import { McpRouteCache } from './mcps/mcp-route-cache.js';
import { HeaderDeadlines } from './mcps/proxy/header-deadlines.js';
import { McpSessionIds } from './mcps/proxy/mcp-session-ids.js';
import { registerMcpProxy } from './mcps/proxy/mcp-proxy.js';
import { OpenStreams } from './mcps/proxy/open-streams.js';
import { UpstreamAdmission } from './mcps/proxy/upstream-admission.js';
import { UpstreamPools } from './mcps/proxy/upstream-pools.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { createTracingHooks } from './common/tracing.hook.js';
import { UsageLimitsService } from './usage-limits/usage-limits.service.js';
import { registerDashboardAndSessions } from './dashboard/dashboard.setup.js';
import { createHttpsDetector } from './session/session-cookie.js';
import { resolveSessionSecret } from './session/session-secret.js';

export { gatewayEnvSchema, loadGatewayConfig, type GatewayConfig, type GatewayEnv } from './config.js';
export { GatewayRuntime } from './gateway-runtime.js';
export type { RouteAccess, RouteEntry } from './auth/route-access.js';

export interface GatewayHandle {
  app: NestFastifyApplication;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:3000`. */
  url: string;
  instanceId: string;
  runtime: GatewayRuntime;
  /** Every route this gateway serves, with who may call it (what the authorization matrix covers). */
  routes: readonly RouteEntry[];
  close(): Promise<void>;
}

export interface BootstrapOptions {
  /** A logger to use instead of the default JSON logger on stdout. */
  logger?: Logger;
}

/**
 * Starts one gateway: connects NATS, subscribes to key and usage events,
 * starts heartbeats, then serves HTTP. `overrides` are environment-style settings (tests pass
 * NATS_URL, PORT=0, …) applied over `process.env`. Used by main.ts and by the tests alike.
 */
export async function bootstrap(
  overrides: GatewayEnv = {},
  options: BootstrapOptions = {},
): Promise<GatewayHandle> {
  const config: GatewayConfig = loadGatewayConfig(overrides);
  const logger = options.logger ?? createLogger('api-gateway', config.LOG_LEVEL, config.LOG_FORMAT);
  const instanceId = config.INSTANCE_ID ?? `gw_${randomBase62(12)}`;
  const metrics = new GatewayMetrics();

  const nc = await connectNats(config.NATS_URL, `api-gateway ${instanceId}`, {
    auth: natsAuthOf(config),
    role: 'gateway',
  });
  try {
    return await start(config, logger, instanceId, metrics, nc);
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

async function start(
  config: GatewayConfig,
  logger: Logger,
  instanceId: string,
  metrics: GatewayMetrics,
  nc: NatsConnection,
): Promise<GatewayHandle> {
  const tracing = Tracing.fromEnv('api-gateway');
  const rpc = new NatsRpcClient(nc, config.KEY_SERVICE_TIMEOUT_MS, tracing);
  const lifecycle = new NatsLifecycle(nc, logger, metrics);
  // Revocations cannot reach this instance while NATS is away: cached decisions are trusted only for
  // as long as the key-service still counts this instance (heartbeat TTL), then dropped.
  const outageGrace = outageGraceMs(config);
  const heartbeat = new HeartbeatPublisher(
    nc,
    instanceId,
    config.HEARTBEAT_INTERVAL_MS,
    heartbeatTtlMs(config),
    logger,
  );
  const keyCache = new KeyDecisionCache(
    rpc,
    {
      positiveTtlMs: config.AUTH_CACHE_TTL_MS,
      negativeTtlMs: config.AUTH_NEGATIVE_CACHE_TTL_MS,
      maxEntries: config.AUTH_CACHE_MAX_ENTRIES,
      timeoutMs: config.KEY_SERVICE_TIMEOUT_MS,
      // Stalled or cut off (no answered heartbeat within its TTL): ask the key-service every time.
      trusted: (now) => heartbeat.trusted(now),
    },
    metrics,
  );
  const mcpRoutes = new McpRouteCache(rpc, config.MCP_CACHE_TTL_MS, config.KEY_SERVICE_TIMEOUT_MS);
  const usageLimits = new UsageLimitsService(
    nc,
    rpc,
    { timeoutMs: config.USAGE_SERVICE_TIMEOUT_MS, retryMs: config.USAGE_BLOCKS_RETRY_MS },
    logger,
    metrics,
  );
  const publisher = new RequestEventPublisher(
    nc,
    lifecycle,
    {
      bufferSize: config.EVENT_BUFFER_SIZE,
      concurrency: config.EVENT_PUBLISH_CONCURRENCY,
      publishTimeoutMs: config.KEY_SERVICE_TIMEOUT_MS * 5,
      batchSize: config.EVENT_BATCH_SIZE,
      reportIntervalMs: config.USAGE_REPORT_INTERVAL_MS,
    },
    logger,
    metrics,
  );
  const keyEvents = new KeyEventsSubscriber(nc, instanceId, keyCache, mcpRoutes, logger);
  let outageTimer: NodeJS.Timeout | undefined;
  lifecycle.onDisconnect(() => {
    clearTimeout(outageTimer);
    outageTimer = setTimeout(() => {
      if (lifecycle.connected) return;
      keyCache.clear('disconnect');
      mcpRoutes.clear();
    }, outageGrace);
    outageTimer.unref();
  });
  lifecycle.onReconnect(() => {
    clearTimeout(outageTimer);
    keyCache.clear('reconnect');
    mcpRoutes.clear();
    heartbeat.beat();
    void usageLimits.reload();
  });
  keyEvents.start();
  usageLimits.start();
  // The key-event subscription must be known to the server before this instance announces itself.
  await nc.flush();
  heartbeat.start();

  const runtime = new GatewayRuntime(config, instanceId, rpc, lifecycle, mcpRoutes, publisher, metrics);
  const pools = new UpstreamPools({
    connections: config.UPSTREAM_CONNECTIONS,
    headersTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    bodyTimeoutMs: config.UPSTREAM_BODY_TIMEOUT_MS,
    allowedNetworks: config.MCP_UPSTREAM_ALLOWED_NETWORKS,
  });
  // Signs dashboard sessions and, under a derived key, the MCP session ids handed to clients.
  const sessionSecret = await resolveSessionSecret(config.SESSION_SECRET, config.PLEXMCP_DATA_DIR, logger);
  const streams = new OpenStreams();
  keyCache.onEviction((eviction) => {
    if (eviction.scope === 'key') streams.closeKey(eviction.keyHash);
    else if (eviction.scope === 'organization') streams.closeOrganization(eviction.orgId);
    else streams.closeEvery();
  });
  mcpRoutes.onEviction((mcpId) => (mcpId === null ? streams.closeEvery() : streams.closeMcp(mcpId)));
  const deadlines = new HeaderDeadlines(config.UPSTREAM_TIMEOUT_MS);
  // Per-key rate limits and the failed-auth throttle count here: in memory, or in Redis (REDIS_URL).
  const limitStore = createRateLimitStore(config, logger);

  let app: NestFastifyApplication | undefined;
  // The one shutdown order (see ServiceShutdown); phase 1 is the HTTP server.
  const shutdown = new ServiceShutdown(logger);
  shutdown.add('stop accepting', 'HTTP server', async () => {
    const nestApp = app;
    if (nestApp !== undefined) {
      // New requests are refused at once; those in flight get SHUTDOWN_GRACE_MS to finish. Then
      // open MCP streams (an SSE stream never ends by itself) and idle-looking connections Node
      // still counts as active are cut, so a shutdown never waits for a client.
      const grace = setTimeout(() => {
        streams.closeEvery();
        nestApp.getHttpAdapter().getInstance().server.closeAllConnections();
      }, config.SHUTDOWN_GRACE_MS);
      await nestApp.close().finally(() => clearTimeout(grace));
    }
    deadlines.close();
    await pools.close();
  });
  shutdown.add('drain subscriptions', 'key events', () => keyEvents.close());
  shutdown.add('drain subscriptions', 'usage events', () => usageLimits.close());
  shutdown.add('stop tasks', 'heartbeat', () => heartbeat.stop());
  shutdown.add('stop tasks', 'NATS outage timer', () => clearTimeout(outageTimer));
  shutdown.add('flush publishers', 'goodbye and request events', async () => {
    // Tell the key-service this instance is leaving so revokes stop waiting for its ack.
    if (!nc.isClosed()) {
      const goodbye: GatewayHeartbeat = { instance_id: instanceId, ttl_ms: 100 };
      nc.publish(Subjects.gateway.heartbeat, JSON.stringify(goodbye));
    }
    const flushed = await publisher.flush(2_000);
    if (!flushed) logger.warn({ pending: publisher.depth }, 'closing with unpublished request events');
    publisher.close();
  });
  shutdown.add('close connections', 'NATS', async () => {
    if (!nc.isClosed()) await nc.drain().catch(() => undefined);
  });
  shutdown.add('close connections', 'Redis', () => limitStore.close());
  shutdown.add('close connections', 'tracing', () => tracing.shutdown());

  let url: string;
  let routes: RouteEntry[];
  try {
    const securityHeaders = await computeSecurityHeaders();
    const answerHeaders = new AnswerHeaders(securityHeaders);
    const adapter = new FastifyAdapter({
      bodyLimit: config.BODY_LIMIT_BYTES,
      logger: false,
      // Requests Node cannot parse get the envelope too (see common/client-errors.ts).
      clientErrorHandler: createClientErrorHandler(securityHeaders),
      frameworkErrors: createFrameworkErrorHandler(answerHeaders, logger),
    });
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime, logger), adapter, {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
      // Bodies are JSON only: Fastify's own JSON parser, no form or text parsers (an unsupported
      // Content-Type is a 400 validation_error, see common/to-app-error.ts).
      bodyParser: false,
    });
    const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
    // Before any route exists: every route must say who may call it.
    routes = enforceRouteAccess(fastify);
    const routeMethods = new RouteMethods();
    routeMethods.track(fastify);
    fastify.removeContentTypeParser('text/plain');
    fastify.server.on('checkExpectation', createExpectationHandler(answerHeaders));
    fastify.decorateRequest('requestId', '');
    fastify.decorateRequest('auth', null);
    fastify.decorateRequest('clientIp', null);
    fastify.decorateRequest('mcpId', null);
    fastify.decorateRequest('toolName', null);
    fastify.decorateRequest('receivedAt', 0);
    fastify.decorateRequest('errorCode', null);
    fastify.decorateRequest('traceSpan', null);
    fastify.decorateRequest('errorCause', null);
    fastify.decorateRequest('idempotency', null);
    fastify.decorateRequest('routeConfig', null);

    const ipResolver = new ClientIpResolver(config.TRUSTED_PROXIES);
    const authority = new KeyAuthority(
      keyCache,
      new FailedAttemptThrottle(config.AUTH_FAILURES_PER_MINUTE, limitStore),
      logger,
    );
    const sessions = await registerDashboardAndSessions(
      fastify,
      config,
      sessionSecret,
      authority,
      ipResolver,
      rpc,
      logger,
    );
    const tracingHooks = createTracingHooks(tracing);
    fastify.addHook('onRequest', tracingHooks.onRequest);
    // Not recording, no request has a span to end: no hook on the way out.
    if (tracing.enabled) fastify.addHook('onResponse', tracingHooks.onResponse);
    // CORS_ORIGINS: an allowed origin's headers go on every answer, a refusal by the auth hook included.
    const cors = new CorsPolicy(config.CORS_ORIGINS);
    if (cors.enabled) fastify.addHook('onRequest', cors.onRequest);
    fastify.addHook(
      'onRequest',
      createAuthHook({
        authority,
        ipResolver,
        sessions,
        rateLimiter: new KeyRateLimiter(limitStore),
        metrics,
        logger,
        answerHeaders,
      }),
    );
    // After the auth hook (request id stamped): a wrong method on a known path is 405, OPTIONS 204.
    fastify.addHook('onRequest', createAllowedMethodsHook(routeMethods, cors));
    const idempotency = createIdempotencyHooks(rpc, logger);
    fastify.addHook('preHandler', idempotency.preHandler);
    fastify.addHook('onSend', idempotency.onSend);
    fastify.addHook('onResponse', createRequestRecorderHook(publisher, metrics));
    fastify.addHook('onResponse', createResponseLogger(logger, { accessLog: config.ACCESS_LOG }));
    // Errors Fastify raises before a handler runs (body limit, bad JSON) reach AllExceptionsFilter
    // through Nest's own Fastify error handler; 404s through its not-found handler.
    registerMeRoute(fastify);
    registerSecretScanningRoutes(fastify, { runtime, keys: config.SECRET_SCANNING_PUBLIC_KEYS, logger });
    registerMcpProxy(fastify, {
      routes: mcpRoutes,
      pools,
      usageLimits,
      metrics,
      logger,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      sessionIds: new McpSessionIds(sessionSecret),
      streams,
      admission: new UpstreamAdmission({
        perOrganization: Math.min(
          config.UPSTREAM_CONNECTIONS_PER_ORG ?? Math.ceil(config.UPSTREAM_CONNECTIONS * 0.75),
          config.UPSTREAM_CONNECTIONS,
        ),
        perKey: Math.min(
          config.UPSTREAM_CONNECTIONS_PER_KEY ?? Math.ceil(config.UPSTREAM_CONNECTIONS / 2),
          config.UPSTREAM_CONNECTIONS,
        ),
      }),
      deadlines,
      isHttps: createHttpsDetector(config.TRUSTED_PROXIES),
      answerHeaders,
    });
    app.useGlobalFilters(new AllExceptionsFilter(logger));

    await app.listen(config.PORT, config.HOST);
    const address = fastify.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ url, instance_id: instanceId }, 'api-gateway listening');
  } catch (err) {
    await shutdown.run();
    throw err;
  }

  return { app, url, instanceId, runtime, routes, close: () => shutdown.run() };
}
