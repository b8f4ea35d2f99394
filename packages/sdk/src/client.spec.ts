import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { generateApiKey } from '@plexmcp/contracts';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import {
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  ConfigurationError,
  PermissionDeniedError,
  PlexMCP,
  RateLimitError,
  ServiceUnavailableError,
  UsageLimitExceededError,
  ValidationError,
} from './index.js';

/** A real HTTP server standing in for the network peer; each test scripts its answers. */
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let baseUrl: string;
let handlers: Handler[] = [];
let seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const handler = handlers.shift();
      if (!handler) {
        res.writeHead(500).end();
        return;
      }
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  handlers = [];
  seen = [];
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_test', ...headers });
    res.end(JSON.stringify(body));
  };
const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): Handler =>
  json(status, { success: false, error: { code, message, request_id: 'req_1' } }, headers);

describe('PlexMCP construction', () => {
  it('fails without sending anything when the key is missing or malformed', () => {
    const before = process.env.PLEXMCP_API_KEY;
    delete process.env.PLEXMCP_API_KEY;
    try {
      expect(() => new PlexMCP({ baseUrl })).toThrow(ConfigurationError);
      const bad = generateApiKey('live').slice(0, -1) + '!';
      let message = '';
      try {
        new PlexMCP({ apiKey: bad, baseUrl });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/Malformed API key/);
      expect(message).not.toContain(bad.slice(8, 20));
      expect(seen).toHaveLength(0);
    } finally {
      if (before !== undefined) process.env.PLEXMCP_API_KEY = before;
    }
  });

  it('reads the key and base URL from the environment, as the README quickstart does', async () => {
    const key = generateApiKey('test');
    process.env.PLEXMCP_API_KEY = key;
    process.env.PLEXMCP_BASE_URL = baseUrl;
    try {
      handlers.push(json(200, { success: true, data: { id: 'key_abc12345' } }));
      const client = new PlexMCP();
      await expect(client.me()).resolves.toEqual({ id: 'key_abc12345' });
      expect(seen[0]!.authorization).toBe(`Bearer ${key}`);
    } finally {
      delete process.env.PLEXMCP_API_KEY;
      delete process.env.PLEXMCP_BASE_URL;
    }
  });
});

describe('errors and retries', () => {
  const client = () => new PlexMCP({ apiKey: generateApiKey('live'), baseUrl: baseUrl, maxRetries: 2 });

  it('maps wire codes to typed errors carrying the request id', async () => {
    handlers.push(fail(401, 'unauthorized', 'Invalid or missing API key'));
    const err = await client()
      .me()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).requestId).toBe('req_1');
    expect((err as AuthenticationError).status).toBe(401);

    handlers.push(fail(403, 'forbidden', 'API key does not have permission for this resource'));
    await expect(client().mcps.get('mcp_abcdefgh')).rejects.toBeInstanceOf(PermissionDeniedError);

    handlers.push(
      json(400, {
        success: false,
        error: {
          code: 'validation_error',
          message: 'bad',
          details: [{ field: 'name', message: 'Required' }],
        },
      }),
    );
    const v = (await client()
      .keys.create({ name: '' })
      .catch((e: unknown) => e)) as ValidationError;
    expect(v).toBeInstanceOf(ValidationError);
    expect(v.details).toEqual([{ field: 'name', message: 'Required' }]);
  });

  it('retries idempotent requests on 503 and 429, honouring Retry-After', async () => {
    handlers.push(fail(503, 'service_unavailable', 'down'));
    handlers.push(fail(429, 'rate_limited', 'slow down', { 'retry-after': '0' }));
    handlers.push(json(200, { success: true, data: { id: 'key_abc12345' } }));
    await expect(client().me()).resolves.toEqual({ id: 'key_abc12345' });
    expect(seen).toHaveLength(3);
  });

  it('never retries a POST, and gives up on GET after maxRetries', async () => {
    handlers.push(fail(503, 'service_unavailable', 'down'));
    await expect(client().keys.create({ name: 'x' })).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(seen).toHaveLength(1);

    seen = [];
    handlers.push(...[1, 2, 3].map(() => fail(429, 'rate_limited', 'slow down', { 'retry-after': '0' })));
    const err = (await client()
      .me()
      .catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfter).toBe(0);
    expect(seen).toHaveLength(3);
  });

  it('never retries usage_limit_exceeded: one request, failing at once, Retry-After kept on the error', async () => {
    handlers.push(...[1, 2, 3].map(() => fail(429, 'usage_limit_exceeded', 'limit', { 'retry-after': '0' })));
    const started = Date.now();
    const err = (await client()
      .me()
      .catch((e: unknown) => e)) as UsageLimitExceededError;
    expect(err).toBeInstanceOf(UsageLimitExceededError);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfter).toBe(0);
    expect(seen).toHaveLength(1);

    seen = [];
    handlers = [fail(429, 'usage_limit_exceeded', 'limit', { 'retry-after': '2592000' })];
    await expect(client().mcps.list()).rejects.toBeInstanceOf(UsageLimitExceededError);
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits the Retry-After the gateway asks for (seconds or a date) before retrying', async () => {
    handlers.push(fail(429, 'rate_limited', 'slow down', { 'retry-after': '1' }));
    handlers.push(json(200, { success: true, data: { id: 'key_abc12345' } }));
    let started = Date.now();
    await expect(client().me()).resolves.toEqual({ id: 'key_abc12345' });
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    seen = [];
    const at = new Date(Date.now() + 2_000).toUTCString(); // whole seconds: waits 1–2 s
    handlers.push(fail(503, 'service_unavailable', 'down', { 'retry-after': at }));
    handlers.push(json(200, { success: true, data: { id: 'key_abc12345' } }));
    started = Date.now();
    await expect(client().me()).resolves.toEqual({ id: 'key_abc12345' });
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('fails at once when Retry-After is longer than maxRetryAfterMs, rather than retry too early', async () => {
    handlers.push(fail(429, 'rate_limited', 'slow down', { 'retry-after': '5' }));
    const started = Date.now();
    const err = (await new PlexMCP({ apiKey: generateApiKey('live'), baseUrl, maxRetryAfterMs: 2_000 })
      .me()
      .catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfter).toBe(5);
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('timeouts and cancellation', () => {
  const hang: Handler = () => undefined; // never answers
  const client = () => new PlexMCP({ apiKey: generateApiKey('live'), baseUrl, maxRetries: 0 });

  it('a call’s own timeoutMs fails it with APITimeoutError', async () => {
    handlers.push(hang);
    const started = Date.now();
    const err = await client()
      .me({ timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APITimeoutError);
    expect((err as Error).message).toBe('Request timed out after 200 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('the client’s timeoutMs applies to every attempt of a retried call', async () => {
    handlers.push(hang, hang);
    const c = new PlexMCP({ apiKey: generateApiKey('live'), baseUrl, maxRetries: 1, timeoutMs: 150 });
    await expect(c.keys.get('key_abcdefgh')).rejects.toBeInstanceOf(APITimeoutError);
    expect(seen).toHaveLength(2);
  });

  it('a signal aborts the request in flight with APIUserAbortError, its reason as cause', async () => {
    handlers.push(hang);
    const controller = new AbortController();
    const call = client().mcps.get('mcp_abcdefgh', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user went away')), 100);
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect((err as APIUserAbortError).cause).toEqual(new Error('user went away'));
  });

  it('a signal aborts the wait before a retry, and an aborted signal sends nothing', async () => {
    handlers.push(fail(429, 'rate_limited', 'slow down', { 'retry-after': '20' }));
    const c = new PlexMCP({ apiKey: generateApiKey('live'), baseUrl, maxRetries: 2 });
    const started = Date.now();
    const err = await c.me({ signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);

    seen = [];
    const aborted = AbortSignal.abort();
    await expect(c.keys.list({}, { signal: aborted })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(seen).toHaveLength(0);
  });
});

describe('MCP connections', () => {
  it('turn the gateway’s refusals into typed errors, not retried', async () => {
    handlers.push(
      fail(429, 'usage_limit_exceeded', 'Monthly request limit reached', { 'retry-after': '86400' }),
    );
    const c = new PlexMCP({ apiKey: generateApiKey('live'), baseUrl });
    const started = Date.now();
    const err = await c.mcps.connect('mcp_abcdefgh').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceededError);
    expect(err).toMatchObject({ status: 429, code: 'usage_limit_exceeded', requestId: 'req_1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/mcps/mcp_abcdefgh/mcp' });
    expect(Date.now() - started).toBeLessThan(2_000);

    handlers.push(fail(401, 'unauthorized', 'Invalid or missing API key'));
    await expect(c.mcps.connect('mcp_abcdefgh')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('time out the handshake at the call’s timeoutMs', async () => {
    handlers.push(() => undefined);
    const c = new PlexMCP({ apiKey: generateApiKey('live'), baseUrl });
    const started = Date.now();
    const err = await c.mcps.connect('mcp_abcdefgh', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RequestTimeout });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('pagination', () => {
  it('awaits one page, or iterates across every page', async () => {
    const page = (ids: string[], next: string | null): Handler =>
      json(200, { success: true, data: ids.map((id) => ({ id })), pagination: { next_cursor: next } });
    const c = new PlexMCP({ apiKey: generateApiKey('live'), baseUrl });

    handlers.push(page(['key_1', 'key_2'], 'cur2'));
    const first = await c.keys.list({ limit: 2 });
    expect(first.data.map((k) => k.id)).toEqual(['key_1', 'key_2']);
    expect(first.nextCursor).toBe('cur2');

    seen = [];
    handlers.push(page(['key_1', 'key_2'], 'cur2'), page(['key_3'], null));
    const all: string[] = [];
    for await (const key of c.keys.list({ limit: 2 })) all.push(key.id);
    expect(all).toEqual(['key_1', 'key_2', 'key_3']);
    expect(seen[1]!.url).toContain('cursor=cur2');
  });
});
