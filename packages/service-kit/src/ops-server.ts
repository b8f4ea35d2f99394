import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { intSchema } from './config.js';
import type { ServiceShutdown } from './service-module.js';

/** `OPS_PORT`: the port of a service's ops HTTP server; `0` picks a free one (tests). */
export const opsPortSchema = (defaultPort: number) => intSchema(defaultPort, 0, 65_535);

/** What `/readyz` reports: the checks of the service's NATS health handler. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface OpsServerOptions {
  port: number;
  registry: Registry;
  /** The same checks as the service's health RPC (database, NATS, …). */
  readiness: () => Promise<Readiness>;
}

export interface OpsServer {
  /** The port actually bound (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

const readinessSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.boolean()),
});

/** Readiness from a health reply (`{ status, checks }`), as the services' health handlers return. */
export function readinessOf(reply: unknown): Readiness {
  const { status, checks } = readinessSchema.parse(reply);
  return { ready: status === 'ok', checks };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The ops HTTP server of a NATS microservice, for Prometheus and the orchestrator's probes:
 * `GET /metrics` (text exposition), `GET /healthz` (the process answers: 200), `GET /readyz`
 * (the health checks: 200 when all pass, else 503). Anything else is a 404.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    if (path === '/metrics') {
      const text = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(text);
    } else if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      const { ready, checks } = await options.readiness();
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'degraded', checks });
    } else {
      sendJson(res, 404, { error: 'not_found' });
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ServiceOpsSettings {
  port: number;
  registry: Registry;
  /** The service's NATS health handler (its reply's `status` and `checks` make `/readyz`). */
  health: () => Promise<unknown>;
}

/**
 * Starts the ops server of a booted NATS service. It is scraped and probed until the service is
 * gone: it closes in the `close connections` phase of `shutdown`. When it cannot listen, the
 * service (`app`) is closed and the error rethrown.
 */
export async function startServiceOpsServer(
  app: { close(): Promise<void> },
  shutdown: ServiceShutdown,
  settings: ServiceOpsSettings,
): Promise<OpsServer> {
  const ops = await startOpsServer({
    port: settings.port,
    registry: settings.registry,
    readiness: async () => readinessOf(await settings.health()),
  }).catch(async (err: unknown) => {
    await app.close();
    throw err;
  });
  shutdown.add('close connections', 'ops server', () => ops.close());
  return ops;
}
