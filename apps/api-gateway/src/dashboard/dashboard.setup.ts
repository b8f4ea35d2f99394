import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClientIpResolver } from '../auth/client-ip.js';
import type { KeyAuthority } from '../auth/key-authority.js';
import type { GatewayConfig } from '../config.js';
import { DashboardSessions } from '../session/dashboard-sessions.js';
import { createHttpsDetector } from '../session/session-cookie.js';
import { registerSessionRoutes } from '../session/session.routes.js';
import { registerAccountRoutes } from '../session/account.routes.js';
import { registerOidcRoutes } from '../session/oidc.routes.js';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { DEFAULT_DASHBOARD_DIR, registerDashboard } from './dashboard-static.js';

/**
 * Mounts the dashboard (static app under /dashboard), its sign-in routes and a person's account
 * routes, and returns the
 * sessions, which present the key of a cookie request to the auth hook; undefined when DASHBOARD_ENABLED=false.
 * `secret` is the resolved session secret (session/session-secret.ts).
 */
export async function registerDashboardAndSessions(
  fastify: FastifyInstance,
  config: GatewayConfig,
  secret: Buffer,
  authority: KeyAuthority,
  ipResolver: ClientIpResolver,
  rpc: NatsRpcClient,
  logger: Logger,
): Promise<DashboardSessions | undefined> {
  if (!config.DASHBOARD_ENABLED) return undefined;
  const sessions = new DashboardSessions(
    secret,
    authority,
    rpc,
    config.SESSION_TTL_MS,
    config.DASHBOARD_KEY_SIGN_IN,
  );
  const deps = {
    sessions,
    ipResolver,
    authority,
    isHttps: createHttpsDetector(config.TRUSTED_PROXIES),
    logger,
  };
  registerSessionRoutes(fastify, deps);
  registerAccountRoutes(fastify, { ...deps, rpc });
  registerOidcRoutes(fastify, {
    ...deps,
    rpc,
    secret,
    allowedNetworks: config.MCP_UPSTREAM_ALLOWED_NETWORKS,
  });
  await registerDashboard(fastify, { dir: config.DASHBOARD_DIR ?? DEFAULT_DASHBOARD_DIR, logger });
  return sessions;
}
