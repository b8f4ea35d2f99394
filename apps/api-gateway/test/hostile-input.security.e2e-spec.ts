/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- HTTP bodies are JSON inspected field by field */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { AppError, Subjects, createdOrgSchema } from '@plexmcp/contracts';
import { rawHttp, type RawResponse } from './support/raw-http.js';
import { type HttpResult, http, mcpSuite } from './support/world.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Every refusal is the error envelope, and its request id is the response's X-Request-Id. */
function expectEnvelope(res: HttpResult | RawResponse, status: number, code: string): void {
  const body = 'json' in res ? res.json : res.body;
  const requestId = 'json' in res ? res.headers['x-request-id'] : res.headers.get('x-request-id');
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code });
  expect(body.success).toBe(false);
  expect(requestId).toMatch(/^req_/);
  expect(body.error.request_id).toBe(requestId);
  // Whoever answered (a route, the router, Node's parser, the Expect check): the security headers too.
  const header = (name: string) => ('json' in res ? res.headers[name] : res.headers.get(name));
  expect(header('x-content-type-options')).toBe('nosniff');
  expect(header('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
}

describe('hostile input at the gateway: a clear 4xx envelope, never a 500', () => {
  const s = mcpSuite('hostile');

  const call = (method: string, path: string, body?: unknown) =>
    http(s.gateway.url, path, { method, key: s.admin.secret, ...(body === undefined ? {} : { body }) });

  it('a NUL in a name, URL, description, cursor or query value is 400 validation_error naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/keys', { name: 'a\u0000b' }, 'name'],
      ['PATCH', `/v1/keys/${s.admin.key.id}`, { name: '\u0000' }, 'name'],
      ['POST', '/v1/mcps', { name: 'x\u0000', upstream_url: s.upstream.url }, 'name'],
      ['POST', '/v1/mcps', { name: 'x', upstream_url: `${s.upstream.url}\u0000` }, 'upstream_url'],
      ['PATCH', `/v1/mcps/${s.mcp.id}`, { upstream_url: 'http://127.0.0.1:9/\u0000' }, 'upstream_url'],
      ['POST', '/v1/webhooks', { url: 'https://hooks.example/x', description: 'd\u0000' }, 'description'],
      ['POST', '/v1/webhooks', { url: 'https://hooks.example/\u0000' }, 'url'],
      ['GET', '/v1/keys?cursor=%00', undefined, 'cursor'],
      ['GET', '/v1/mcps?cursor=a%00b', undefined, 'cursor'],
      ['GET', '/v1/alerts?cursor=%00', undefined, 'cursor'],
      ['GET', '/v1/usage?breakdown=s.mcp%00', undefined, 'breakdown'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expectEnvelope(res, 400, 'validation_error');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // The CLI's organization create (internal NATS) refuses it as well, as a typed error.
    const refused = await s.world.rpc
      .call(Subjects.orgs.create, { name: 'Acme\u0000' }, createdOrgSchema)
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('validation_error');
  });

  it('an MCP s.upstream header with CR/LF, a control character, a non-token or hop-by-hop name is 400; Authorization stays allowed', async () => {
    const refused: Record<string, string>[] = [
      { 'X-Token': 'a\r\nX-Injected: 1' },
      { 'X-Token': 'line\nbreak' },
      { 'X-Token': 'nul\u0000' },
      { 'X-Token': 'caf\u00e9' },
      { 'X Token': 'v' },
      { 'X-Token\r\n': 'v' },
      { Host: 'evil.example' },
      { 'Content-Length': '0' },
      { 'Transfer-Encoding': 'chunked' },
      { Connection: 'close' },
      { 'Keep-Alive': 'timeout=1' },
      { TE: 'trailers' },
      { Upgrade: 'websocket' },
      { 'X-Forwarded-For': '10.0.0.1' },
      { 'Mcp-Session-Id': 'fixed' },
    ];
    for (const upstream_headers of refused) {
      const created = await call('POST', '/v1/mcps', {
        name: 'H',
        upstream_url: s.upstream.url,
        upstream_headers,
      });
      expectEnvelope(created, 400, 'validation_error');
      expect(JSON.stringify(created.body.error.details)).toContain('upstream_headers');
      const patched = await call('PATCH', `/v1/mcps/${s.mcp.id}`, { upstream_headers });
      expectEnvelope(patched, 400, 'validation_error');
    }

    const withCredential = await call('POST', '/v1/mcps', {
      name: 'Credentialed',
      upstream_url: s.upstream.url,
      upstream_headers: { Authorization: 'Bearer upstream-credential', 'X-Api-Key': 'k 1' },
    });
    expect(withCredential.status).toBe(201);
    s.upstream.seen.length = 0;
    const init = await http(s.gateway.url, `/v1/mcps/${withCredential.body.data.id}/mcp`, {
      method: 'POST',
      key: s.admin.secret,
      body: INITIALIZE,
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(init.status).toBe(200);
    expect(s.upstream.seen.at(-1)?.authorization).toBe('Bearer upstream-credential');
    expect(s.upstream.seen.at(-1)?.['x-api-key']).toBe('k 1');
  });

  it('Expect: 100-continue on the MCP endpoint: the client gets 100 Continue and the request goes through', async () => {
    const path = `/v1/mcps/${s.mcp.id}/mcp`;
    const target = new URL(s.gateway.url + path);
    const outcome = await new Promise<{ continued: boolean; status: number; body: string }>(
      (resolve, reject) => {
        let continued = false;
        const req = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path,
            method: 'POST',
            headers: {
              authorization: `Bearer ${s.admin.secret}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'content-length': Buffer.byteLength(INITIALIZE),
              expect: '100-continue',
            },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, body }));
          },
        );
        req.on('continue', () => {
          continued = true;
          req.end(INITIALIZE);
        });
        req.on('error', reject);
      },
    );
    expect(outcome).toMatchObject({ continued: true, status: 200 });
    expect(JSON.parse(outcome.body).result.serverInfo.name).toBe('upstream-weather');
    expect(s.upstream.seen.at(-1)?.expect).toBeUndefined();

    // curl sends Expect: 100-continue by itself for large bodies; here it is asked explicitly.
    if (spawnSync('curl', ['--version']).status === 0) {
      // Asynchronously: the gateway answers from this very process.
      const curl = await promisify(execFile)(
        'curl',
        [
          '-sS',
          '-o',
          '-',
          '-w',
          '\n%{http_code}',
          '-H',
          `Authorization: Bearer ${s.admin.secret}`,
          '-H',
          'Content-Type: application/json',
          '-H',
          'Accept: application/json, text/event-stream',
          '-H',
          'Expect: 100-continue',
          '--data-binary',
          INITIALIZE,
          s.gateway.url + path,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      const lines = curl.stdout.trim().split('\n');
      expect(lines.at(-1)).toBe('200');
      expect(JSON.parse(lines.slice(0, -1).join('\n')).result.serverInfo.name).toBe('upstream-weather');
    }

    // Any other expectation cannot be met: 417 in the envelope, not Node's bare answer.
    const other = await rawHttp(
      s.gateway.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expectEnvelope(other, 417, 'validation_error');
  });

  it('oversized headers are 431 and unparsable requests 400, in the envelope with X-Request-Id', async () => {
    const big = await rawHttp(
      s.gateway.url,
      `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expectEnvelope(big, 431, 'payload_too_large');
    expect(big.headers['x-content-type-options']).toBe('nosniff');

    const broken = [
      'NOT A REQUEST\r\n\r\n',
      'GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
      'GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Cr: a\rb\r\n\r\n',
      'GET /v1/\u0000me HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    ];
    for (const text of broken) {
      expectEnvelope(await rawHttp(s.gateway.url, Buffer.from(text, 'latin1')), 400, 'validation_error');
    }
    // A chunked body that breaks after the headers were parsed, on a REST route and on the proxy.
    for (const path of ['/v1/keys', `/v1/mcps/${s.mcp.id}/mcp`]) {
      const badChunk = await rawHttp(
        s.gateway.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.admin.secret}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      );
      expectEnvelope(badChunk, 400, 'validation_error');
    }

    // A malformed percent-encoding in the path is answered by the router: the same envelope.
    const badUrl = await rawHttp(
      s.gateway.url,
      `GET /v1/keys/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.admin.secret}\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404]).toContain(badUrl.status);
    expectEnvelope(badUrl, badUrl.status, badUrl.status === 400 ? 'validation_error' : 'not_found');

    // The gateway is still serving.
    expect((await http(s.gateway.url, '/healthz')).status).toBe(200);
  });

  it('REST bodies are JSON only: any other content type is 400 validation_error, bad JSON too', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'text/xml',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const res = await fetch(`${s.gateway.url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.admin.secret}`, 'content-type': type },
        body: type.startsWith('application/x-www') ? 'name=Form' : '{"name":"Typed"}',
      });
      const body = (await res.json()) as { error: { message: string } };
      expectEnvelope({ status: res.status, headers: res.headers, body }, 400, 'validation_error');
      expect(body.error.message).toMatch(/content-type/i);
    }
    const noType = await rawHttp(
      s.gateway.url,
      `POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.admin.secret}\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{"name":1}`,
    );
    expectEnvelope(noType, 400, 'validation_error');

    for (const body of ['{"name":', '', '{"__proto__":{"x":1},"name":"p"}', '[1,2', '\u0000']) {
      const res = await call('POST', '/v1/keys', body);
      expectEnvelope(res, 400, 'validation_error');
    }
    const charset = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: s.admin.secret,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'Charset' }),
    });
    expect(charset.status).toBe(201);
  });
});
