import { type Server, createServer } from 'node:http';
import Fastify from 'fastify';
import { Pool } from 'undici';

/** The servers the gateway is measured against, each started in its own process by child.ts. */

export const READY_MARKER = '@@bench-ready ';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Bare Fastify answering a fixed JSON document: the ceiling for GET /v1/me. */
export async function startBareFastify(body: unknown): Promise<string> {
  const app = Fastify({ logger: false });
  app.get('/v1/me', () => body);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

const RPC_RESULT = JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} });

const SSE_RESULT = `event: message\ndata: ${RPC_RESULT}\n\n`;

/**
 * A trivial MCP upstream: reads the JSON-RPC body and answers a fixed JSON-RPC result, as JSON or
 * (`sse`) as one `text/event-stream` message, the way streamable-HTTP servers answer.
 */
export async function startTrivialUpstream(sse = false): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (sse) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(SSE_RESULT);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(RPC_RESULT),
      });
      res.end(RPC_RESULT);
    });
  });
  server.keepAliveTimeout = 60_000;
  return `${await listen(server)}/mcp`;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'authorization']);

/**
 * The minimal hand-written proxy the gateway's proxy is compared with: a Bearer check against an
 * in-memory Map, then undici keep-alive Pool.stream() to the upstream. No metrics, events or
 * envelopes: the lower bound of what proxying costs in Node.
 */
export async function startHandProxy(keys: string[], upstreamUrl: string): Promise<string> {
  const allowed = new Map(keys.map((k) => [`Bearer ${k}`, true]));
  const upstream = new URL(upstreamUrl);
  const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const server = createServer((req, res) => {
    if (!allowed.has(req.headers.authorization ?? '')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const name in req.headers) {
      const value = req.headers[name];
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    pool.stream(
      {
        path: upstream.pathname,
        method: req.method as 'POST',
        headers,
        body: req.method === 'POST' ? req : null,
      },
      ({ statusCode, headers: upstreamHeaders }) => {
        const out: Record<string, string | string[]> = {};
        for (const name in upstreamHeaders) {
          const value = upstreamHeaders[name];
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        res.writeHead(statusCode, out);
        return res;
      },
      (err) => {
        if (err && !res.headersSent) res.writeHead(502).end();
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}
