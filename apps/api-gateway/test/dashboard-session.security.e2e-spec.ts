import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import type { GatewayHandle } from '../src/index.js';
import { type World, actorOf, http, startWorld } from './support/world.js';

/** A session cookie authorizes exactly like its key: same scopes, same organization, same revocation. */
describe('dashboard session cookie', () => {
  let world: World;
  let gateway: GatewayHandle;
  let admin: CreatedKey;
  // A stand-in for apps/dashboard/dist, so this suite does not depend on the dashboard's build.
  const dist = mkdtempSync(path.join(tmpdir(), 'plexmcp-dashboard-'));

  beforeAll(async () => {
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>PlexMCP</title>');
    writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    world = await startWorld('dashboard_session');
    gateway = await world.startGateway({
      SESSION_SECRET: 'a-test-secret-that-is-long-enough-000',
      DASHBOARD_DIR: dist,
      // Break-glass admin-key sign-in, off by default (people sign in with accounts).
      DASHBOARD_KEY_SIGN_IN: 'true',
    });
    admin = (await world.createOrg()).admin_key;
  });

  afterAll(async () => {
    await world?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const signIn = async (key: string) => {
    // As a browser on the dashboard's own page sends it.
    const res = await http(gateway.url, '/dashboard/api/session', {
      method: 'POST',
      body: { key },
      headers: { origin: gateway.url },
    });
    const setCookie = res.headers.get('set-cookie') ?? '';
    return {
      res,
      cookie: setCookie.split(';')[0]!,
      setCookie,
      csrf: (res.body as { data?: { csrf_token?: string } }).data?.csrf_token ?? '',
    };
  };

  it('gives a reader key only what a Bearer reader gets, inside its own organization', async () => {
    const reader = await world.createKey(actorOf(admin), { scopes: ['keys:read'] });
    const { res, cookie, setCookie, csrf } = await signIn(reader.secret);
    expect(res.status).toBe(201);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(reader.secret);
    expect(JSON.stringify(res.body)).not.toContain(reader.secret);

    const headers = { cookie, 'x-csrf-token': csrf };
    expect((await http(gateway.url, '/v1/keys', { headers })).status).toBe(200);
    const write = await http(gateway.url, '/v1/mcps', {
      method: 'POST',
      headers,
      body: { name: 'X', upstream_url: 'http://127.0.0.1:9/mcp' },
    });
    expect(write.status).toBe(403);
    expect((write.body as { error: { code: string } }).error.code).toBe('forbidden');

    const stranger = (await world.createOrg({ name: 'Stranger' })).admin_key;
    const foreign = await http(gateway.url, `/v1/keys/${stranger.key.id}`, { headers });
    expect(foreign.status).toBe(404);

    // The MCP endpoint takes Bearer keys only.
    const mcp = await world.createMcp(actorOf(admin));
    const proxied = await http(gateway.url, `/v1/mcps/${mcp.id}/mcp`, { method: 'POST', headers, body: {} });
    expect(proxied.status).toBe(401);
  });

  it('signs in only with a JSON body from the same origin (login CSRF)', async () => {
    const reader = await world.createKey(actorOf(admin), { scopes: ['keys:read'] });
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${gateway.url}/dashboard/api/session`, { method: 'POST', headers, body }).then(async (r) => ({
        status: r.status,
        setCookie: r.headers.get('set-cookie'),
        requestId: r.headers.get('x-request-id'),
        body: (await r.json()) as { success: boolean; error?: { code: string; request_id: string } },
      }));
    const json = JSON.stringify({ key: reader.secret });
    const type = { 'content-type': 'application/json' };

    const refused: [Record<string, string>, string, number, string][] = [
      // Neither Origin nor Sec-Fetch-Site: not a browser on our page.
      [type, json, 403, 'forbidden'],
      [{ ...type, origin: 'https://evil.example' }, json, 403, 'forbidden'],
      [{ ...type, origin: 'null' }, json, 403, 'forbidden'],
      [{ ...type, 'sec-fetch-site': 'cross-site' }, json, 403, 'forbidden'],
      [{ ...type, 'sec-fetch-site': 'same-site', origin: gateway.url }, json, 403, 'forbidden'],
      // A cross-site HTML form can only send these bodies.
      [
        { 'content-type': 'application/x-www-form-urlencoded', origin: gateway.url },
        `key=${reader.secret}`,
        400,
        'validation_error',
      ],
      [{ 'content-type': 'text/plain', origin: gateway.url }, json, 400, 'validation_error'],
      [
        { 'content-type': 'multipart/form-data; boundary=x', origin: gateway.url },
        json,
        400,
        'validation_error',
      ],
    ];
    for (const [headers, body, status, code] of refused) {
      const res = await post(headers, body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
      expect(res.body.error?.request_id).toBe(res.requestId);
      expect(res.setCookie ?? '').not.toMatch(/plexmcp_session=[^;]+/);
    }

    const accepted: Record<string, string>[] = [
      { ...type, origin: gateway.url },
      { ...type, 'sec-fetch-site': 'same-origin' },
      {
        'content-type': 'application/json; charset=utf-8',
        'sec-fetch-site': 'same-origin',
        origin: gateway.url,
      },
    ];
    for (const headers of accepted) {
      const res = await post(headers, json);
      expect(res.status).toBe(201);
      expect(res.setCookie).toMatch(/HttpOnly/);
    }
  });

  it('refuses state changes without the CSRF token, keys without scopes, and revoked keys', async () => {
    const writer = await world.createKey(actorOf(admin), { scopes: ['mcps:write'] });
    const { cookie, csrf } = await signIn(writer.secret);
    const body = { name: 'Y', upstream_url: 'http://127.0.0.1:9/mcp' };
    const noCsrf = await http(gateway.url, '/v1/mcps', { method: 'POST', headers: { cookie }, body });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await http(gateway.url, '/v1/mcps', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
      body,
    });
    expect(withCsrf.status).toBe(201);

    const plain = await world.createKey(actorOf(admin));
    expect((await signIn(plain.secret)).res.status).toBe(403);
    expect((await signIn('pk_live_not-a-key')).res.status).toBe(401);

    const revoke = await http(gateway.url, `/v1/keys/${writer.key.id}`, {
      method: 'DELETE',
      key: admin.secret,
    });
    expect(revoke.status).toBe(200);
    const after = await http(gateway.url, '/v1/mcps', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect((await http(gateway.url, '/dashboard/api/session', { headers: { cookie } })).status).toBe(401);
  });

  it('serves the dashboard with its own CSP and a SPA fallback', async () => {
    const index = await fetch(`${gateway.url}/dashboard/usage`);
    expect(index.status).toBe(200);
    await expect(index.text()).resolves.toContain('<title>PlexMCP</title>');
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${gateway.url}/dashboard/assets/index-abc123.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${gateway.url}/dashboard/missing.js`)).status).toBe(404);
  });
});
