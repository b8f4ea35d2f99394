import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import { actorOf, gatewaySuite } from './support/world.js';

/**
 * The proxy's response streaming as an adversary sees it: a client that stops reading, a client
 * that hangs up, an upstream that dies mid-body or sends an informational head first. Each
 * upstream here is a plain HTTP server scripted per request.
 */
describe('MCP proxy streams: backpressure, hang-ups and broken upstreams', () => {
  const s = gatewaySuite('proxy_streams');
  const servers: Server[] = [];
  let key: CreatedKey;

  /** An MCP whose upstream answers every request with `handler`. */
  async function mcpAnswering(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const mcp = await s.world.createMcp(actorOf(s.admin), {
      name: `streams-${servers.length}`,
      upstream_url: `http://127.0.0.1:${port}/mcp`,
    });
    return `${s.gateway.url}/v1/mcps/${mcp.id}/mcp`;
  }

  /** A GET of the MCP endpoint with the raw response in hand (its reading paused or not, as the test needs). */
  function open(url: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, {
        headers: { authorization: `Bearer ${key.secret}`, accept: 'text/event-stream' },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
  }

  beforeAll(async () => {
    key = await s.world.createKey(actorOf(s.admin));
  });
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a client that stops reading holds the upstream back, and gets every byte once it reads again', async () => {
    const total = 96 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const url = await mcpAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const res = await open(url);
    expect(res.statusCode).toBe(200);
    res.pause();
    // Not reading: the upstream stalls once the socket buffers on the way are full. Without
    // backpressure the gateway would take all 96 MiB into memory as fast as the upstream sends.
    const stalledAt = await waitFor(
      async () => {
        const before = written;
        await new Promise((r) => setTimeout(r, 500));
        return written === before ? written : null;
      },
      { timeoutMs: 10_000, message: 'the upstream to stall' },
    );
    expect(stalledAt).toBeLessThan(total / 2);
    let received = 0;
    res.on('data', (data: Buffer) => (received += data.length));
    res.resume();
    await new Promise((r) => res.once('end', r));
    expect(received).toBe(total);
  }, 30_000);

  it('an SSE stream whose first event is late is open at the client at once, and its events follow', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const url = await mcpAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      void released.then(() => res.end('data: late\n\n'));
    });
    // The head arrives while the upstream still holds its first event back.
    const res = await open(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    release();
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(text).toBe('data: late\n\n');
  });

  it('an SSE head and its first event sent together reach the client together, in order', async () => {
    const url = await mcpAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      res.end('data: two\n\n');
    });
    const res = await open(url);
    expect(res.headers['content-type']).toBe('text/event-stream');
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(text).toBe('data: one\n\ndata: two\n\n');
  });

  it('a client that hangs up mid-stream ends the upstream request', async () => {
    let upstreamClosed = false;
    const url = await mcpAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      res.on('close', () => (upstreamClosed = true));
    });
    const res = await open(url);
    await new Promise((r) => res.once('data', r));
    res.destroy();
    await waitFor(() => upstreamClosed, { message: 'the upstream request to close' });
  });

  it('an upstream that dies mid-body cuts the client off: the response never ends as if complete', async () => {
    const url = await mcpAnswering((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n', () => setTimeout(() => res.socket?.destroy(), 50));
    });
    const res = await open(url);
    const outcome = await new Promise<string>((resolve) => {
      res.on('data', () => undefined);
      res.once('end', () => resolve('ended'));
      res.once('error', () => resolve('error'));
      res.once('aborted', () => resolve('aborted'));
    });
    expect(outcome).not.toBe('ended');
    expect(res.complete).toBe(false);
  });

  it('an informational head before the answer is not taken for it', async () => {
    const url = await mcpAnswering((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
    });
    const res = await fetch(url, { headers: { authorization: `Bearer ${key.secret}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });
});
