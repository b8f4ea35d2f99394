/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- HTTP bodies are JSON inspected field by field */
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CreatedKey, McpView } from '@plexmcp/contracts';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import { request } from 'undici';
import { startScriptedUpstream } from './support/scripted-upstream.js';
import { computeSecurityHeaders } from '../src/common/security-headers.js';
import { type HttpResult, actorOf, gatewaySuite, http, mcpRequest } from './support/world.js';

function connectClient(
  url: string,
  key?: string,
): { client: Client; transport: StreamableHTTPClientTransport } {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: key ? { headers: { Authorization: `Bearer ${key}` } } : {},
  });
  return { client: new Client({ name: 'test-client', version: '1.0.0' }), transport };
}

describe('MCP proxy (Streamable HTTP through the s.gateway)', () => {
  const s = gatewaySuite('proxy', { gatewayEnv: { UPSTREAM_TIMEOUT_MS: '300', BODY_LIMIT_BYTES: '2048' } });
  let upstream: UpstreamMcp;
  let jsonUpstream: UpstreamMcp;
  let mcp: McpView;
  let jsonMcp: McpView;
  let other: McpView;
  let permitted: CreatedKey;
  let scopedElsewhere: CreatedKey;

  beforeAll(async () => {
    upstream = await startUpstreamMcp();
    jsonUpstream = await startUpstreamMcp({ json: true });
    mcp = await s.world.createMcp(actorOf(s.admin), {
      upstream_url: upstream.url,
      upstream_headers: { 'X-Upstream-Token': 'configured-secret' },
    });
    jsonMcp = await s.world.createMcp(actorOf(s.admin), { name: 'Json', upstream_url: jsonUpstream.url });
    other = await s.world.createMcp(actorOf(s.admin), { name: 'Other', upstream_url: upstream.url });
    permitted = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [mcp.id, jsonMcp.id] } });
    scopedElsewhere = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [other.id] } });
  });
  afterAll(async () => {
    await upstream.close();
    await jsonUpstream.close();
  });

  it('initialize, tools/list and tools/call work with a permitted key (SSE responses)', async () => {
    const { client, transport } = connectClient(`${s.gateway.url}/v1/mcps/${mcp.id}/mcp`, permitted.secret);
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('upstream-weather');
    expect(transport.sessionId).toEqual(expect.any(String));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
    await transport.terminateSession();
    await client.close();

    // The session id and protocol version went through; the key did not, the MCP's header did.
    const withSession = upstream.seen.filter(
      (h) => h['mcp-session-id'] === transport.sessionId || h['mcp-session-id'],
    );
    expect(withSession.length).toBeGreaterThan(0);
    expect(upstream.seen.some((h) => typeof h['mcp-protocol-version'] === 'string')).toBe(true);
    expect(upstream.seen.some((h) => h['x-upstream-token'] === 'configured-secret')).toBe(true);
    expect(JSON.stringify(upstream.seen)).not.toMatch(/pk_(live|test)_/);
    expect(upstream.seen.every((h) => h.authorization === undefined)).toBe(true);
  });

  it('works with an upstream answering plain JSON', async () => {
    const { client, transport } = connectClient(
      `${s.gateway.url}/v1/mcps/${jsonMcp.id}/mcp`,
      permitted.secret,
    );
    await client.connect(transport);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'json' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: json' }]);
    await client.close();
  });

  it('refuses an MCP client without a key (401) and with a key scoped to another MCP (403)', async () => {
    const anonymous = connectClient(`${s.gateway.url}/v1/mcps/${mcp.id}/mcp`);
    await expect(anonymous.client.connect(anonymous.transport)).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('"code":"unauthorized"'),
    });
    const elsewhere = connectClient(`${s.gateway.url}/v1/mcps/${mcp.id}/mcp`, scopedElsewhere.secret);
    await expect(elsewhere.client.connect(elsewhere.transport)).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('"code":"forbidden"'),
    });
    expect(JSON.stringify(upstream.seen)).not.toContain(scopedElsewhere.secret);
  });

  it('502 upstream_error when the upstream is down, 504 upstream_timeout when it is too slow', async () => {
    const down = await s.world.createMcp(actorOf(s.admin), {
      name: 'Down',
      upstream_url: 'http://127.0.0.1:9/mcp',
    });
    const slowServer: Server = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => slowServer.listen(0, '127.0.0.1', r));
    const port = (slowServer.address() as { port: number }).port;
    const slow = await s.world.createMcp(actorOf(s.admin), {
      name: 'Slow',
      upstream_url: `http://127.0.0.1:${port}/mcp`,
    });
    const key = await s.world.createKey(actorOf(s.admin));
    try {
      const a = await http(s.gateway.url, `/v1/mcps/${down.id}/mcp`, {
        method: 'POST',
        key: key.secret,
        body: {},
      });
      expect(a.status).toBe(502);
      expect(a.body.error.code).toBe('upstream_error');
      expect(a.body.error.request_id).toBe(a.headers.get('x-request-id'));
      const b = await http(s.gateway.url, `/v1/mcps/${slow.id}/mcp`, {
        method: 'POST',
        key: key.secret,
        body: {},
      });
      expect(b.status).toBe(504);
      expect(b.body.error.code).toBe('upstream_timeout');
    } finally {
      slowServer.closeAllConnections();
      slowServer.close();
    }
  });

  it('streams SSE through as it is produced, not buffered', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const sse: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n');
      // The second event is only sent after the client has received the first one.
      void released.then(() => res.end('data: second\n\n'));
    });
    await new Promise<void>((r) => sse.listen(0, '127.0.0.1', r));
    const port = (sse.address() as { port: number }).port;
    const stream = await s.world.createMcp(actorOf(s.admin), {
      name: 'Sse',
      upstream_url: `http://127.0.0.1:${port}/mcp`,
    });
    const key = await s.world.createKey(actorOf(s.admin));
    try {
      const res = await fetch(`${s.gateway.url}/v1/mcps/${stream.id}/mcp`, {
        headers: { authorization: `Bearer ${key.secret}`, accept: 'text/event-stream' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('first')) text += decoder.decode((await reader.read()).value);
      expect(text).not.toContain('second');
      release();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        text += decoder.decode(chunk.value);
      expect(text).toContain('data: second');
    } finally {
      sse.closeAllConnections();
      sse.close();
    }
  });

  it('413 payload_too_large for a body over the limit', async () => {
    const res = await http(s.gateway.url, `/v1/mcps/${mcp.id}/mcp`, {
      method: 'POST',
      key: permitted.secret,
      body: { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4096) } },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('a chunked body (no Content-Length) is streamed up: under the limit it is answered, over it 413', async () => {
    // Bodies of declared length are read whole; these take the streaming path and its own limit.
    const post = (message: object) =>
      request(`${s.gateway.url}/v1/mcps/${jsonMcp.id}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${permitted.secret}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: Readable.from([Buffer.from(JSON.stringify(message))]),
      });
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-03-26',
        capabilities: {},
        clientInfo: { name: 'chunked', version: '1' },
      },
    };
    const small = await post(initialize);
    const text = await small.body.text();
    expect(small.statusCode).toBe(200);
    expect(text).toContain('upstream-weather');
    const big = await post({ ...initialize, params: { ...initialize.params, pad: 'x'.repeat(4096) } });
    expect(big.statusCode).toBe(413);
    expect(((await big.body.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('passes any body up byte for byte, whatever its Content-Type, without parsing it', async () => {
    // The proxy registers its pass-through parser under application/json as well as `*`: every
    // media type, even a body that is not JSON at all, must still reach the upstream untouched.
    const scripted = await startScriptedUpstream();
    const target = await s.world.createMcp(actorOf(s.admin), {
      name: 'Echo body',
      upstream_url: `${scripted.origin}/json`,
    });
    const key = await s.world.createKey(actorOf(s.admin));
    const sent = [
      { type: 'application/json', body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
      { type: 'application/json', body: '{not json at all' },
      { type: 'application/json; charset=utf-8', body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' },
      { type: 'Application/JSON', body: '{"jsonrpc":"2.0","id":3,"method":"ping"}' },
      { type: 'text/plain', body: 'plain text' },
      { type: 'application/octet-stream', body: 'raw \u0000 bytes' },
    ];
    try {
      for (const { type, body } of sent) {
        const res = await request(`${s.gateway.url}/v1/mcps/${target.id}/mcp`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key.secret}`,
            'content-type': type,
            accept: 'application/json, text/event-stream',
          },
          body,
        });
        await res.body.dump();
        expect({ type, status: res.statusCode }).toEqual({ type, status: 200 });
      }
      expect(scripted.seen.map((r) => ({ type: r.headers['content-type'], body: r.body }))).toEqual(sent);
    } finally {
      await scripted.close();
    }
  });

  it('404 for an MCP that does not exist', async () => {
    const res = await http(s.gateway.url, '/v1/mcps/mcp_doesnotexist0000000000/mcp', {
      method: 'POST',
      key: permitted.secret,
      body: {},
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('every answer of the MCP endpoint carries the security headers and X-Request-Id once, whoever wrote its head', async () => {
    // The proxy writes the heads of its forwarded answers itself, and stamps its Fastify-sent
    // refusals in its own onSend (the auth hook leaves this route to it): every way out is asked.
    const security = await computeSecurityHeaders();
    const down = await s.world.createMcp(actorOf(s.admin), {
      name: 'Down2',
      upstream_url: 'http://127.0.0.1:9/mcp',
    });
    const silent: Server = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const slow = await s.world.createMcp(actorOf(s.admin), {
      name: 'Silent2',
      upstream_url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`,
    });
    const toolBound = await s.world.createKey(actorOf(s.admin), {
      permissions: { mcps: [jsonMcp.id], tools: { [jsonMcp.id]: ['echo'] } },
    });
    const limited = await s.world.createKey(actorOf(s.admin), {
      permissions: { mcps: [jsonMcp.id] },
      rate_limit: { requests_per_second: 1, burst: 1 },
    });
    const any = await s.world.createKey(actorOf(s.admin));
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    const post = (
      mcpId: string,
      key: string | null,
      extra: { body?: unknown; headers?: Record<string, string> } = {},
    ) =>
      http(s.gateway.url, `/v1/mcps/${mcpId}/mcp`, {
        method: 'POST',
        key,
        body: extra.body ?? ping,
        headers: { accept: 'application/json, text/event-stream', ...extra.headers },
      });
    try {
      const answers: [string, number, HttpResult][] = [
        ['forwarded JSON', 200, await mcpRequest(s.gateway.url, jsonMcp.id, permitted.secret)],
        ['forwarded SSE', 200, await mcpRequest(s.gateway.url, mcp.id, permitted.secret)],
        ['no key', 401, await post(jsonMcp.id, null)],
        ['malformed key', 401, await post(jsonMcp.id, 'pk_live_short')],
        ['key scoped elsewhere', 403, await post(jsonMcp.id, scopedElsewhere.secret)],
        ['unknown MCP', 404, await post('mcp_doesnotexist0000000000', permitted.secret)],
        ['malformed MCP id', 404, await post('not-an-id', permitted.secret)],
        [
          'unknown session',
          404,
          await post(jsonMcp.id, permitted.secret, { headers: { 'mcp-session-id': 's1.x.y.z' } }),
        ],
        [
          'body over the limit',
          413,
          await post(jsonMcp.id, permitted.secret, { body: { pad: 'x'.repeat(4096) } }),
        ],
        [
          'tool outside the key\u2019s list',
          200,
          await post(jsonMcp.id, toolBound.secret, {
            body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'delete', arguments: {} } },
          }),
        ],
        ['upstream down', 502, await post(down.id, any.secret)],
        ['upstream silent', 504, await post(slow.id, any.secret)],
        [
          'wrong method',
          405,
          await http(s.gateway.url, `/v1/mcps/${jsonMcp.id}/mcp`, { method: 'PUT', key: any.secret }),
        ],
      ];
      await post(jsonMcp.id, limited.secret);
      answers.push(['over the key\u2019s rate limit', 429, await post(jsonMcp.id, limited.secret)]);
      for (const [what, status, res] of answers) {
        expect([what, res.status]).toEqual([what, status]);
        for (const [name, value] of Object.entries(security)) {
          // Headers.get() joins a header sent twice: equality also proves it went out once.
          expect([what, name, res.headers.get(name)]).toEqual([what, name, value]);
        }
        expect([what, res.headers.get('x-request-id')]).toEqual([
          what,
          expect.stringMatching(/^req_[A-Za-z0-9]+$/),
        ]);
        if (status >= 400)
          expect([what, res.body.error.request_id]).toEqual([what, res.headers.get('x-request-id')]);
      }
      expect(
        answers
          .find(([what]) => what === 'over the key\u2019s rate limit')![2]
          .headers.get('ratelimit-limit'),
      ).not.toBeNull();
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
