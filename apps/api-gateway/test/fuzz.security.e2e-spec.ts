/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey, McpView } from '@plexmcp/contracts';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import fc from 'fast-check';
import type { GatewayHandle } from '../src/index.js';
import { rawHttp } from './support/raw-http.js';
import { actorOf, http, startWorld, type World } from './support/world.js';

/**
 * Property-based fuzzing of the real gateway (with the real key-service, usage-service, NATS and
 * Postgres): arbitrary JSON bodies for every request schema, arbitrary query strings, path ids,
 * header values and request targets. Whatever comes in, the answer is a 2xx, or a 4xx in the
 * error envelope whose request id is the X-Request-Id — never a 5xx, never a hang — and the
 * gateway still serves afterwards. A fixed seed and bounded runs keep it deterministic and short.
 */
const SEED = 424_242;
const RUNS = 100;

interface Answer {
  status: number;
  requestId: string | null;
  body: unknown;
}

/**
 * What every answer must look like. `proxied`: an upstream's own 4xx body may pass through the MCP
 * endpoint unchanged, so only its status and the request id are the gateway's.
 */
function expectWellFormed(answer: Answer, what: string, proxied = false): void {
  const { status, requestId, body } = answer;
  const envelope = body as { success?: unknown; error?: { code?: unknown; request_id?: unknown } } | null;
  const summary = { what, status, requestId, body: JSON.stringify(body)?.slice(0, 300) };
  if (!((status >= 200 && status < 300) || (status >= 400 && status < 500)))
    throw new Error(`not a 2xx/4xx: ${JSON.stringify(summary)}`);
  if (requestId === null || !/^req_/.test(requestId))
    throw new Error(`no X-Request-Id: ${JSON.stringify(summary)}`);
  if (status >= 400 && !proxied) {
    if (
      envelope?.success !== false ||
      typeof envelope.error?.code !== 'string' ||
      envelope.error.request_id !== requestId
    )
      throw new Error(`not the error envelope: ${JSON.stringify(summary)}`);
  }
}

/** Percent-encodes every byte outside the unreserved set, lone surrogates included (as U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Strings a careless parser chokes on, mixed with ordinary ones. */
const hostileString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\r\n',
      '\ud800',
      '\u202e',
      '../../etc/passwd',
      '%00',
      '%zz',
      '__proto__',
      'constructor',
      'x'.repeat(5_000),
      'key_',
      'mcp_0000000000000000000000',
      'pk_live_',
      'http://127.0.0.1:9/',
      'http://169.254.169.254/latest',
      '2026-13-45T99:99:99Z',
      '-1',
      '1e309',
      'NaN',
    ),
  },
);

/** JSON values with hostile strings at every depth. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Keys of nested records (upstream headers): mostly names that pass as header names. */
const recordKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('X-Token', 'Authorization', 'X-Api-Key', 'Accept') },
  { weight: 1, arbitrary: hostileString },
);

/** A value that may replace any field: mostly hostile strings, sometimes any JSON. */
const hostileValue = fc.oneof({ arbitrary: hostileString, weight: 2 }, { arbitrary: hostileJson, weight: 1 });

/**
 * Bodies near a valid one, where bugs hide: the valid body with one field replaced by a hostile
 * value, with a hostile string spliced into one of its strings, with a stranger field, or nested
 * records (headers, permissions) replaced by hostile dictionaries — and now and then any JSON.
 */
function nearValid(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.keys(base);
  const strings = fields.filter((f) => typeof base[f] === 'string');
  const splice = (text: string, bad: string, at: number) =>
    text.slice(0, at % (text.length + 1)) + bad + text.slice(at % (text.length + 1));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(base) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...fields), hostileValue).map(([k, v]) => ({ ...base, [k]: v })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...strings), hostileString, fc.nat())
        .map(([k, bad, at]) => ({ ...base, [k]: splice(base[k] as string, bad, at) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...fields),
          fc.dictionary(recordKey, hostileString, { minKeys: 1, maxKeys: 3 }),
        )
        .map(([k, v]) => ({ ...base, [k]: v })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileString, hostileValue).map(([k, v]) => ({ ...base, [k]: v })),
    },
    { weight: 1, arbitrary: hostileJson },
  );
}

describe('fuzzing the gateway: any input, a 2xx/4xx envelope with X-Request-Id, and still serving', () => {
  let world: World;
  let gateway: GatewayHandle;
  let upstream: UpstreamMcp;
  let admin: CreatedKey;
  let target: CreatedKey;
  let proxied: McpView;
  let patched: McpView;
  const dist = mkdtempSync(path.join(tmpdir(), 'plexmcp-fuzz-dashboard-'));

  beforeAll(async () => {
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>PlexMCP</title>');
    world = await startWorld('fuzz');
    await world.startUsageService();
    gateway = await world.startGateway({
      // 401s are the point here: the per-IP throttle would turn every later answer into 429.
      AUTH_FAILURES_PER_MINUTE: '1000000',
      SESSION_SECRET: 'a-test-secret-that-is-long-enough-000',
      DASHBOARD_DIR: dist,
      UPSTREAM_TIMEOUT_MS: '5000',
    });
    upstream = await startUpstreamMcp({ json: true });
    admin = (await world.createOrg()).admin_key;
    target = await world.createKey(actorOf(admin), { scopes: ['keys:read'] });
    proxied = await world.createMcp(actorOf(admin), { name: 'Proxied', upstream_url: upstream.url });
    patched = await world.createMcp(actorOf(admin), { name: 'Patched', upstream_url: upstream.url });
  });
  afterAll(async () => {
    await upstream.close();
    await world.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const send = async (
    method: string,
    url: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const res = await fetch(gateway.url + url, {
      method,
      headers: { authorization: `Bearer ${admin.secret}`, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: a 2xx may be anything, a 4xx fails expectWellFormed
    }
    return { status: res.status, requestId: res.headers.get('x-request-id'), body };
  };

  it('arbitrary JSON bodies on every route that takes one', async () => {
    const key = {
      name: 'Fuzz',
      mode: 'live',
      scopes: ['keys:read'],
      permissions: { mcps: '*' },
      expires_in: '30d',
    };
    const mcp = {
      name: 'Fuzz',
      mode: 'live',
      upstream_url: upstream.url,
      upstream_headers: { 'X-Token': 'v' },
    };
    const hook = { url: 'https://8.8.8.8/hook', description: 'Fuzz', events: ['alert.new_location'] };
    /** An MCP whose update was accepted must stay callable: no stored header may break the proxy. */
    const stillCallable = async (): Promise<void> => {
      const call = await send('POST', `/v1/mcps/${patched.id}/mcp`, {
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      });
      expectWellFormed(call, `POST /v1/mcps/${patched.id}/mcp after an accepted update`, true);
    };
    const routes: {
      method: string;
      url: () => string;
      body: fc.Arbitrary<unknown>;
      afterSuccess?: () => Promise<void>;
    }[] = [
      { method: 'POST', url: () => '/v1/keys', body: nearValid(key) },
      {
        method: 'PATCH',
        url: () => `/v1/keys/${target.key.id}`,
        body: nearValid({ name: 'Fuzz', rate_limit: { requests_per_second: 5, burst: 10 } }),
      },
      {
        method: 'POST',
        url: () => `/v1/keys/${target.key.id}/rotate`,
        body: nearValid({ grace_period: '1h' }),
      },
      { method: 'POST', url: () => '/v1/mcps', body: nearValid(mcp) },
      {
        method: 'PATCH',
        url: () => `/v1/mcps/${patched.id}`,
        body: nearValid({ name: 'Fuzz', upstream_headers: { 'X-Token': 'v' } }),
        afterSuccess: stillCallable,
      },
      { method: 'POST', url: () => '/v1/webhooks', body: nearValid(hook) },
      { method: 'POST', url: () => '/v1/alerts/alert_0000000000000000000000/ack', body: hostileJson },
      { method: 'POST', url: () => '/v1/webhooks/wh_0000000000000000000000/test', body: hostileJson },
    ];
    for (const route of routes) {
      await fc.assert(
        // `cut`: the same JSON cut in half, i.e. malformed.
        fc.asyncProperty(route.body, fc.boolean(), async (body, cut) => {
          const json = JSON.stringify(body) ?? 'null';
          const text = cut ? json.slice(0, Math.floor(json.length / 2)) : json;
          const answer = await send(route.method, route.url(), {
            body: text,
            headers: { 'content-type': 'application/json' },
          });
          expectWellFormed(answer, `${route.method} ${route.url()} ${text.slice(0, 200)}`);
          if (answer.status < 300) await route.afterSuccess?.();
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });

  it('arbitrary JSON bodies and MCP headers on the proxy, and on the dashboard sign-in', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileJson,
        fc.record({
          'mcp-session-id': fc.option(fc.string({ maxLength: 120 }), { nil: undefined }),
          'mcp-protocol-version': fc.option(fc.constantFrom('2025-06-18', '1999-01-01', 'x'), {
            nil: undefined,
          }),
          accept: fc.constantFrom('application/json, text/event-stream', 'application/json', '*/*'),
        }),
        async (body, headers) => {
          const clean: Record<string, string> = { 'content-type': 'application/json' };
          for (const [k, v] of Object.entries(headers))
            if (v !== undefined && /^[\t\x20-\x7e]*$/.test(v)) clean[k] = v;
          const answer = await send('POST', `/v1/mcps/${proxied.id}/mcp`, {
            body: JSON.stringify(body),
            headers: clean,
          });
          // The upstream's own 4xx bodies pass through unchanged: only the status and id are ours.
          expect(answer.status).toBeLessThan(500);
          expect(answer.requestId).toMatch(/^req_/);
          const session = await fetch(`${gateway.url}/dashboard/api/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: gateway.url },
            body: JSON.stringify(body),
          });
          expectWellFormed(
            {
              status: session.status,
              requestId: session.headers.get('x-request-id'),
              body: await session.json(),
            },
            `sign-in ${JSON.stringify(body).slice(0, 200)}`,
          );
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('arbitrary query strings on every route that reads one, and arbitrary path ids everywhere', async () => {
    const lists = [
      '/v1/me',
      '/v1/keys',
      '/v1/mcps',
      '/v1/usage',
      `/v1/keys/${target.key.id}/usage`,
      '/v1/alerts',
      '/v1/webhooks',
      '/v1/webhooks/wh_0000000000000000000000/deliveries',
      '/v1/audit',
    ];
    const queryKey = fc.oneof(
      fc.constantFrom(
        'cursor',
        'limit',
        'from',
        'to',
        'granularity',
        'breakdown',
        'mcp_id',
        'status',
        'type',
        'key_id',
      ),
      hostileString,
    );
    const query = fc
      .array(fc.tuple(queryKey, hostileString, fc.boolean()), { maxLength: 5 })
      .map((pairs) =>
        pairs
          .map(([k, v, encoded]) =>
            encoded
              ? `${percentEncode(k)}=${percentEncode(v)}`
              : `${percentEncode(k)}=${v.replace(/[^\x21-\x7e]/g, (c) => percentEncode(c))}`,
          )
          .join('&'),
      );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), query, async (route, q) => {
        expectWellFormed(await send('GET', `${route}?${q}`), `GET ${route}?${q}`);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );

    const templates: [string, string][] = [
      ['GET', '/v1/keys/{}'],
      ['PATCH', '/v1/keys/{}'],
      ['DELETE', '/v1/keys/{}'],
      ['POST', '/v1/keys/{}/rotate'],
      ['GET', '/v1/keys/{}/usage'],
      ['GET', '/v1/mcps/{}'],
      ['PATCH', '/v1/mcps/{}'],
      ['DELETE', '/v1/mcps/{}'],
      ['POST', '/v1/mcps/{}/mcp'],
      ['GET', '/v1/mcps/{}/mcp'],
      ['DELETE', '/v1/mcps/{}/mcp'],
      ['POST', '/v1/alerts/{}/ack'],
      ['DELETE', '/v1/webhooks/{}'],
      ['GET', '/v1/webhooks/{}/deliveries'],
      ['POST', '/v1/webhooks/{}/test'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), hostileString, async ([method, template], id) => {
        const url = template.replace('{}', percentEncode(id));
        const answer = await send(method, url, {
          ...(method === 'POST' || method === 'PATCH'
            ? { body: '{"name":"n"}', headers: { 'content-type': 'application/json' } }
            : {}),
        });
        expectWellFormed(answer, `${method} ${url}`);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('arbitrary bytes in header values and in the request target, through the HTTP parser', async () => {
    const headerName = fc.constantFrom(
      'Authorization',
      'Content-Type',
      'Mcp-Session-Id',
      'X-Forwarded-For',
      'X-Forwarded-Proto',
      'Origin',
      'Cookie',
      'Accept',
      'Expect',
      'Content-Length',
      'Transfer-Encoding',
    );
    const headerValue = fc.oneof(
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
      hostileString.map((s) => Buffer.from(s, 'utf8').toString('latin1')),
      fc.constantFrom(
        'Bearer pk_live_',
        'Bearer ',
        'application/json; charset=\u0000',
        '100-continue',
        'chunked',
      ),
    );
    const targets = fc.constantFrom(
      '/v1/me',
      '/v1/keys',
      `/v1/mcps/${proxied.id}/mcp`,
      '/dashboard/api/session',
      '/healthz',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE'),
        targets,
        fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 3 }),
        async (method, target, headers) => {
          const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
          const auth = headers.some(([n]) => n === 'Authorization')
            ? ''
            : `Authorization: Bearer ${admin.secret}\r\n`;
          const request = `${method} ${target} HTTP/1.1\r\nHost: fuzz\r\n${auth}${lines}Connection: close\r\n\r\n`;
          const res = await rawHttp(gateway.url, Buffer.from(request, 'latin1'), 10_000);
          expectWellFormed(
            {
              status: res.status,
              requestId: res.headers['x-request-id'] ?? null,
              body: res.json ?? res.text,
            },
            JSON.stringify(request.slice(0, 300)),
            target.endsWith('/mcp'),
          );
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    );

    const rawTarget = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => `/v1/${Buffer.from(b).toString('latin1')}`),
      hostileString.map((s) => `/v1/keys/${Buffer.from(s, 'utf8').toString('latin1')}`),
      fc.constantFrom(
        '*',
        '//v1/me',
        '/v1/me/../keys',
        '/v1/me#frag',
        'http://evil.example/v1/me',
        '/v1/%',
        '/v1/me?%zz',
      ),
    );
    await fc.assert(
      fc.asyncProperty(rawTarget, async (target) => {
        const request = `GET ${target} HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer ${admin.secret}\r\nConnection: close\r\n\r\n`;
        const res = await rawHttp(gateway.url, Buffer.from(request, 'latin1'), 10_000);
        expectWellFormed(
          { status: res.status, requestId: res.headers['x-request-id'] ?? null, body: res.json ?? res.text },
          JSON.stringify(target),
        );
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('the gateway is still alive and serving afterwards', async () => {
    expect((await http(gateway.url, '/healthz')).status).toBe(200);
    const me = await http(gateway.url, '/v1/me', { key: admin.secret });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(admin.key.id);
    const ready = await http(gateway.url, '/readyz');
    expect(ready.status).toBe(200);
  });
});
