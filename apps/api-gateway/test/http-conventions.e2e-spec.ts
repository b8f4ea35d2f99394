/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Subjects,
  apiKeyViewSchema,
  idempotencyBeginReplySchema,
  idempotencyDoneReplySchema,
} from '@plexmcp/contracts';
import { createLogger } from '@plexmcp/service-kit';
import pg from 'pg';
import { idempotencyFingerprint } from '../src/common/idempotency.hook.js';
import { type GatewayHandle, bootstrap } from '../src/index.js';
import { type HttpResult, gatewaySuite, http } from './support/world.js';

/** A raw fetch: the body as text, so two answers can be compared byte for byte. */
async function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('gateway HTTP conventions', () => {
  const s = gatewaySuite('conventions', { usageService: true });

  const createKey = (secret: string, idempotencyKey: string | null, body: unknown) =>
    raw(`${s.gateway.url}/v1/keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        ...(idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey }),
      },
      body,
    });
  const keyCount = async (secret: string): Promise<number> => {
    const res = await http(s.gateway.url, '/v1/keys?limit=100', { key: secret });
    expect(res.status).toBe(200);
    return (res.body.data as unknown[]).length;
  };

  describe('Idempotency-Key on POST', () => {
    it('a retry returns the first answer (same status and body, Idempotent-Replayed) and creates nothing', async () => {
      const before = await keyCount(s.admin.secret);
      const body = { name: 'ci', scopes: ['keys:read'] };
      const first = await createKey(s.admin.secret, 'create-ci-1', body);
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await createKey(s.admin.secret, 'create-ci-1', body);
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      // The stored answer holds the new key's secret: neither answer may be cached.
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(again.headers.get('cache-control')).toBe('no-store');
      // The replay has an id of its own; the body keeps the first request's.
      expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
      expect(await keyCount(s.admin.secret)).toBe(before + 1);
      // The key the replay hands back is the one created, and it works.
      const secret = JSON.parse(again.text).data.secret as string;
      const me = await http(s.gateway.url, '/v1/me', { key: secret });
      expect(me.status).toBe(200);
      expect(me.body.data.id).toBe(JSON.parse(first.text).data.id);
    });

    it('the same key with a different body (or route) is a 409 and runs nothing', async () => {
      const first = await createKey(s.admin.secret, 'reuse-1', { name: 'a' });
      expect(first.status).toBe(201);
      const before = await keyCount(s.admin.secret);
      const other = await createKey(s.admin.secret, 'reuse-1', { name: 'b' });
      expect(other.status).toBe(409);
      expect(JSON.parse(other.text).error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('different request'),
        request_id: other.headers.get('x-request-id'),
      });
      const otherRoute = await raw(`${s.gateway.url}/v1/mcps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.admin.secret}`, 'idempotency-key': 'reuse-1' },
        body: { name: 'x', upstream_url: 'https://mcp.example.com/mcp' },
      });
      expect(otherRoute.status).toBe(409);
      expect(await keyCount(s.admin.secret)).toBe(before);
    });

    it("another key of the organization cannot replay this key's answer (it may hold a secret): 409", async () => {
      const body = { name: 'admin-only', scopes: ['keys:write', 'mcps:write'] };
      const first = await createKey(s.admin.secret, 'admin-create-1', body);
      expect(first.status).toBe(201);
      const writer = JSON.parse(first.text).data.secret as string;
      // keys:write only: the answer it must not get holds a key with mcps:write too.
      const narrower = await createKey(s.admin.secret, null, { name: 'narrow', scopes: ['keys:write'] });
      expect(narrower.status).toBe(201);
      const narrowSecret = JSON.parse(narrower.text).data.secret as string;
      const replay = await createKey(narrowSecret, 'admin-create-1', body);
      expect(replay.status).toBe(409);
      expect(replay.text).not.toContain(writer);
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
    });

    it("another organization's identical key and body is independent", async () => {
      const stranger = (await s.world.createOrg({ name: 'Stranger' })).admin_key;
      const body = { name: 'same' };
      const ours = await createKey(s.admin.secret, 'shared-key', body);
      const theirs = await createKey(stranger.secret, 'shared-key', body);
      expect(ours.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
      const ourKey = apiKeyViewSchema.parse(JSON.parse(ours.text).data);
      const theirKey = apiKeyViewSchema.parse(JSON.parse(theirs.text).data);
      expect(theirKey.id).not.toBe(ourKey.id);
      expect(theirKey.organization_id).not.toBe(ourKey.organization_id);
    });

    it('a duplicate while the first is still in flight (on any gateway) is a 409; once released it runs', async () => {
      const body = { name: 'in-flight' };
      const held = {
        org_id: s.org.organization.id,
        key: 'in-flight-1',
        fingerprint: idempotencyFingerprint(s.admin.key.id, 'POST', '/v1/keys', {}, body),
      };
      // Another gateway instance claims the key for this very request and is still running it.
      const claim = await s.world.rpc.call(Subjects.idempotency.begin, held, idempotencyBeginReplySchema);
      expect(claim.state).toBe('started');
      const duplicate = await createKey(s.admin.secret, 'in-flight-1', body);
      expect(duplicate.status).toBe(409);
      expect(JSON.parse(duplicate.text).error.message).toContain('still in progress');
      // That request failed on the server's side (5xx): the key is released and a retry runs.
      await s.world.rpc.call(Subjects.idempotency.release, held, idempotencyDoneReplySchema);
      const retry = await createKey(s.admin.secret, 'in-flight-1', body);
      expect(retry.status).toBe(201);
    });

    it('concurrent duplicates create exactly one key; each answer is that key or a 409', async () => {
      const before = await keyCount(s.admin.secret);
      const body = { name: 'burst' };
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => createKey(s.admin.secret, 'burst-1', body)),
      );
      const created = answers.filter((a) => a.status === 201);
      expect(answers.filter((a) => a.status !== 201 && a.status !== 409)).toEqual([]);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((a) => a.text)).size).toBe(1);
      expect(await keyCount(s.admin.secret)).toBe(before + 1);
    });

    it('a rotation is replayed too, and the stored answer holds no key in clear', async () => {
      const target = await createKey(s.admin.secret, null, { name: 'to-rotate' });
      const id = JSON.parse(target.text).data.id as string;
      const rotate = () =>
        raw(`${s.gateway.url}/v1/keys/${id}/rotate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.admin.secret}`, 'idempotency-key': 'rotate-1' },
          body: {},
        });
      const first = await rotate();
      expect(first.status).toBe(201);
      const again = await rotate();
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');

      const secret = JSON.parse(first.text).data.secret as string;
      const { databaseUrl, dbSchema } = s.world.keyService!.config.database;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ response: string }>(
          `SELECT response FROM "${dbSchema}".idempotency_records WHERE idempotency_key = 'rotate-1'`,
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]!.response.startsWith('enc:v1:')).toBe(true);
        expect(rows[0]!.response).not.toContain(secret);
      } finally {
        await client.end();
      }
    });

    describe('a gateway that gives up waiting for the key-service (the answer is lost on the way)', () => {
      /** Answers 503 after 500 ms without a reply from the key-service, then releases the key. */
      let impatient: GatewayHandle;
      let db: pg.Client;
      let locks: pg.Client;
      beforeAll(async () => {
        impatient = await s.world.startGateway({ KEY_SERVICE_TIMEOUT_MS: '500' });
        const { databaseUrl, dbSchema } = s.world.keyService!.config.database;
        db = new pg.Client({ connectionString: databaseUrl });
        locks = new pg.Client({ connectionString: databaseUrl });
        await Promise.all([db.connect(), locks.connect()]);
        await Promise.all([
          db.query(`SET search_path TO "${dbSchema}"`),
          locks.query(`SET search_path TO "${dbSchema}"`),
        ]);
      });
      afterAll(async () => {
        await impatient?.close();
        await db?.end();
        await locks?.end();
      });

      const createVia = (gateway: GatewayHandle, idempotencyKey: string, name: string) =>
        raw(`${gateway.url}/v1/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.admin.secret}`, 'idempotency-key': idempotencyKey },
          body: { name },
        });
      const keysNamed = async (name: string): Promise<number> =>
        Number(
          (await db.query<{ n: string }>('SELECT count(*) AS n FROM api_keys WHERE name = $1', [name]))
            .rows[0]!.n,
        );
      const recordOf = async (idempotencyKey: string) =>
        (
          await db.query<{ status: number | null }>(
            'SELECT status FROM idempotency_records WHERE idempotency_key = $1',
            [idempotencyKey],
          )
        ).rows[0];
      /** Until `check` holds (the key-service finishing a transaction the test held up). */
      const eventually = async (check: () => Promise<boolean>): Promise<void> => {
        for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
        expect(await check()).toBe(true);
      };

      it('the key-service committed: the retry gets that key and its secret, and no second key exists', async () => {
        // The key-service's insert waits behind the test's table lock until the claim exists; then
        // the claim's row is held too, so the key-service reaches it (and queues) before the
        // gateway's release does.
        await db.query('BEGIN');
        await db.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
        const pending = createVia(impatient, 'lost-answer-1', 'lost-answer-1');
        await eventually(async () => (await recordOf('lost-answer-1')) !== undefined);
        await locks.query('BEGIN');
        await locks.query(
          "SELECT 1 FROM idempotency_records WHERE idempotency_key = 'lost-answer-1' FOR UPDATE",
        );
        await db.query('COMMIT');
        const first = await pending;
        expect(first.status).toBe(503);
        await locks.query('COMMIT');
        await eventually(async () => (await recordOf('lost-answer-1'))?.status === 201);

        const retry = await createVia(s.gateway, 'lost-answer-1', 'lost-answer-1');
        expect(retry.status).toBe(201);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(await keysNamed('lost-answer-1')).toBe(1);
        const secret = JSON.parse(retry.text).data.secret as string;
        const me = await http(s.gateway.url, '/v1/me', { key: secret });
        expect(me.status).toBe(200);
        expect(me.body.data.id).toBe(JSON.parse(retry.text).data.id);
      });

      it('the gateway released first: the late write is refused whole, and the retry creates the one key', async () => {
        await db.query('BEGIN');
        await db.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
        const first = await createVia(impatient, 'lost-answer-2', 'lost-answer-2');
        expect(first.status).toBe(503);
        // The gateway released the key before it answered; now the key-service's insert goes on.
        expect(await recordOf('lost-answer-2')).toBeUndefined();
        await db.query('COMMIT');
        // It finds its claim gone and rolls the key back: nothing was created.
        await eventually(
          async () => (await db.query('SELECT 1 FROM pg_locks WHERE NOT granted')).rowCount === 0,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(await keysNamed('lost-answer-2')).toBe(0);

        const retry = await createVia(s.gateway, 'lost-answer-2', 'lost-answer-2');
        expect(retry.status).toBe(201);
        expect(retry.headers.get('idempotent-replayed')).toBeNull();
        await new Promise((r) => setTimeout(r, 200));
        expect(await keysNamed('lost-answer-2')).toBe(1);
      });
    });

    it('an MCP create is replayed byte for byte (the key-service stored the answer as it committed)', async () => {
      const create = () =>
        raw(`${s.gateway.url}/v1/mcps`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.admin.secret}`, 'idempotency-key': 'mcp-create-1' },
          body: { name: 'replayed', upstream_url: 'https://mcp.example.com/replayed' },
        });
      const first = await create();
      expect(first.status).toBe(201);
      const again = await create();
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('a malformed Idempotency-Key is a 400 validation_error naming the header', async () => {
      for (const bad of ['x'.repeat(256), 'has space', 'tab\there']) {
        const res = await createKey(s.admin.secret, bad, { name: 'nope' });
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text).error).toMatchObject({
          code: 'validation_error',
          details: [expect.objectContaining({ field: 'Idempotency-Key' })],
        });
      }
    });

    it('without the header nothing changes: two POSTs create two keys', async () => {
      const before = await keyCount(s.admin.secret);
      expect((await createKey(s.admin.secret, null, { name: 'plain' })).status).toBe(201);
      expect((await createKey(s.admin.secret, null, { name: 'plain' })).status).toBe(201);
      expect(await keyCount(s.admin.secret)).toBe(before + 2);
    });
  });

  describe('405 Method Not Allowed', () => {
    it('a wrong method on a known path is 405 with Allow and the envelope, before authentication', async () => {
      const res = await http(s.gateway.url, '/v1/keys', { method: 'DELETE' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
      expect(res.body.error).toMatchObject({
        code: 'method_not_allowed',
        request_id: res.headers.get('x-request-id'),
      });
      const one = await http(s.gateway.url, '/v1/keys/key_abc', { method: 'PUT', key: s.admin.secret });
      expect(one.status).toBe(405);
      expect(one.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH, OPTIONS');
      const rotate = await http(s.gateway.url, '/v1/keys/key_abc/rotate', { method: 'GET' });
      expect(rotate.status).toBe(405);
      expect(rotate.headers.get('allow')).toBe('POST, OPTIONS');
    });

    it('HEAD is answered wherever GET is, and is 405 where it is not', async () => {
      const head = await fetch(`${s.gateway.url}/v1/keys`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${s.admin.secret}` },
      });
      expect(head.status).toBe(200);
      const unauthenticated = await fetch(`${s.gateway.url}/v1/keys`, { method: 'HEAD' });
      expect(unauthenticated.status).toBe(401);
      const headRotate = await fetch(`${s.gateway.url}/v1/keys/key_abc/rotate`, { method: 'HEAD' });
      expect(headRotate.status).toBe(405);
      expect(headRotate.headers.get('allow')).toBe('POST, OPTIONS');
    });

    it('OPTIONS is 204 with Allow on a known path (never 401), 404 elsewhere', async () => {
      const options = await http(s.gateway.url, '/v1/keys', { method: 'OPTIONS' });
      expect(options.status).toBe(204);
      expect(options.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
      expect(options.headers.get('x-request-id')).toMatch(/^req_/);
      const unknown = await http(s.gateway.url, '/v1/nowhere', { method: 'OPTIONS' });
      expect(unknown.status).toBe(404);
    });

    it('every spelling: a wrong method is 405 exactly where the router matches the path, else 404', async () => {
      // What Fastify's router matches (case-sensitive, no trailing-slash folding, decoded escapes):
      // a trailing slash after /v1/keys is the `:id` route with an empty id; `/v1//keys` nothing.
      const spellings: [string, string | null][] = [
        ['/v1/keys', 'GET, HEAD, POST, OPTIONS'],
        ['/v1/keys?limit=1', 'GET, HEAD, POST, OPTIONS'],
        ['/v1/%6Beys', 'GET, HEAD, POST, OPTIONS'],
        ['/v1/keys/', 'DELETE, GET, HEAD, PATCH, OPTIONS'],
        ['/v1/keys/key_abc/rotate', 'POST, OPTIONS'],
        ['/V1/KEYS', null],
        ['/v1/Keys', null],
        ['/v1//keys', null],
        ['/v1/keys/key_abc/ROTATE', null],
        ['/v1/keys/key_abc/rotate/', null],
        ['/v1/nowhere', null],
      ];
      for (const [path, allow] of spellings) {
        for (const method of ['PUT', 'PROPFIND']) {
          const wrong = await http(s.gateway.url, path, { method, key: s.admin.secret });
          expect({ path, method, status: wrong.status, allow: wrong.headers.get('allow') }).toEqual({
            path,
            method,
            status: allow === null ? 404 : 405,
            allow,
          });
        }
        // The right method on a path the router does not match is a 404 too: nothing is hidden.
        if (allow === null)
          expect((await http(s.gateway.url, path, { key: s.admin.secret })).status).toBe(404);
      }
    });
  });

  describe('CORS', () => {
    const ALLOWED = 'https://app.example.com';
    const preflight = (
      base: string,
      origin: string,
      method = 'POST',
      headers = 'authorization, content-type',
    ) =>
      http(base, '/v1/keys', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': headers,
        },
      });

    it('an allowed origin gets its CORS headers on answers (401s included) and on preflights', async () => {
      const gateway = await s.world.startGateway({ CORS_ORIGINS: `${ALLOWED},https://admin.example.com` });
      const ok = await http(gateway.url, '/v1/me', { key: s.admin.secret, headers: { origin: ALLOWED } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(ok.headers.get('vary')).toContain('Origin');
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      const refused = await http(gateway.url, '/v1/me', { headers: { origin: ALLOWED } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);

      const pre = await preflight(
        gateway.url,
        ALLOWED,
        'POST',
        'authorization, content-type, idempotency-key',
      );
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST');
      expect(pre.headers.get('access-control-allow-headers')).toContain('idempotency-key');
      expect(pre.headers.get('access-control-max-age')).toBe('600');

      // A method the path does not answer, or a header not allowed: no permission granted.
      const badMethod = await preflight(gateway.url, ALLOWED, 'DELETE');
      expect(badMethod.status).toBe(204);
      expect(badMethod.headers.get('access-control-allow-methods')).toBeNull();
      const badHeader = await preflight(gateway.url, ALLOWED, 'POST', 'authorization, x-evil');
      expect(badHeader.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('a disallowed origin gets no CORS header; a preflight is still never 401', async () => {
      const gateway = await s.world.startGateway({ CORS_ORIGINS: ALLOWED });
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'null']) {
        const res = await http(gateway.url, '/v1/me', { key: s.admin.secret, headers: { origin } });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        const pre = await preflight(gateway.url, origin);
        expect(pre.status).toBe(204);
        expect(pre.headers.get('access-control-allow-origin')).toBeNull();
        expect(pre.headers.get('access-control-allow-methods')).toBeNull();
      }
    });

    it('without CORS_ORIGINS no answer carries a CORS header', async () => {
      const res = await http(s.gateway.url, '/v1/me', { key: s.admin.secret, headers: { origin: ALLOWED } });
      expect(res.status).toBe(200);
      const pre = await preflight(s.gateway.url, ALLOWED);
      expect(pre.status).toBe(204);
      for (const answer of [res, pre])
        for (const name of answer.headers.keys()) expect(name.startsWith('access-control-')).toBe(false);
    });

    it('a malformed CORS_ORIGINS stops the gateway at start-up', async () => {
      await expect(s.world.startGateway({ CORS_ORIGINS: 'app.example.com' })).rejects.toThrow(/CORS_ORIGINS/);
      await expect(s.world.startGateway({ CORS_ORIGINS: 'https://app.example.com/' })).rejects.toThrow(
        /CORS_ORIGINS/,
      );
    });
  });

  describe('X-Request-Id and traceparent', () => {
    it("a well-formed X-Request-Id is kept: echoed, in the envelope and in the request's log line", async () => {
      let output = '';
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          output += chunk.toString('utf8');
          callback();
        },
      });
      const gateway = await bootstrap(
        { NATS_URL: s.world.nats.url, PORT: '0', HOST: '127.0.0.1', HEARTBEAT_INTERVAL_MS: '200' },
        { logger: createLogger('api-gateway', 'debug', 'json', sink) },
      );
      s.world.gateways.push(gateway);
      const ok = await http(gateway.url, '/v1/me', {
        key: s.admin.secret,
        headers: { 'x-request-id': 'client-7f3a9c2e-1' },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-request-id')).toBe('client-7f3a9c2e-1');
      const failed = await http(gateway.url, '/v1/me', {
        key: 'pk_live_nope',
        headers: { 'x-request-id': '0b4c9d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d' },
      });
      expect(failed.status).toBe(401);
      expect(failed.headers.get('x-request-id')).toBe('0b4c9d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d');
      expect(failed.body.error.request_id).toBe('0b4c9d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d');

      const lines = output
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.request_id === 'client-7f3a9c2e-1')).toMatchObject({
        route: '/v1/me',
        status: 200,
      });
      expect(lines.find((l) => l.request_id === '0b4c9d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d')).toMatchObject({
        status: 401,
        error_code: 'unauthorized',
      });
    });

    it('a malformed X-Request-Id is replaced by a generated one', async () => {
      for (const bad of ['has space', 'x'.repeat(129), '<script>', 'a"b', 'line\u00e9']) {
        const res: HttpResult = await http(s.gateway.url, '/v1/me', {
          key: s.admin.secret,
          headers: { 'x-request-id': bad },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9]+$/);
      }
    });

    it('a valid traceparent is echoed (the trace the request ran in); a malformed one is not', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await http(s.gateway.url, '/v1/me', { key: s.admin.secret, headers: { traceparent } });
      expect(res.headers.get('traceparent')).toBe(traceparent);
      const bad = await http(s.gateway.url, '/v1/me', {
        key: s.admin.secret,
        headers: { traceparent: '00-zz-yy-01' },
      });
      expect(bad.status).toBe(200);
      expect(bad.headers.get('traceparent')).toBeNull();
    });
  });
});
