import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KeyPolicy } from '@plexmcp/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthContext } from '../auth/request-context.js';
import { registerMeRoute } from './me.route.js';

const policy = (scopes: KeyPolicy['scopes']): KeyPolicy => ({
  key_id: 'key_aaaaaaaaaaaaaaaaaaaaaa',
  org_id: 'org_bbbbbbbbbbbbbbbbbbbbbb',
  mode: 'live',
  permissions: { mcps: '*' },
  scopes,
  rate_limit: null,
  usage_limit: null,
  expires_at: '2027-01-01T00:00:00.000Z',
  ip_allowlist: null,
  org_monthly_limit: null,
});

describe('GET /v1/me answers from the cached decision', () => {
  let app: FastifyInstance;
  let url: string;
  /** What the auth hook would have found for the next request. */
  let caller: AuthContext | null = null;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.decorateRequest('auth', null);
    app.decorateRequest('requestId', 'req_test');
    app.addHook('onRequest', (request, _reply, done) => {
      request.auth = caller;
      done();
    });
    registerMeRoute(app);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  const me = async (auth: AuthContext | null) => {
    caller = auth;
    const res = await fetch(`${url}/v1/me`);
    const body = (await res.json()) as { data: Record<string, unknown> };
    return { status: res.status, type: res.headers.get('content-type'), body };
  };

  it('answers the view of the caller, the same again for the same decision', async () => {
    const auth: AuthContext = {
      policy: policy(['keys:read']),
      keyHash: 'h1',
      keyPrefix: 'pk_live_AbCd',
      keyLast4: 'WXYZ',
    };
    const first = await me(auth);
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(first.body).toEqual({
      success: true,
      data: {
        id: 'key_aaaaaaaaaaaaaaaaaaaaaa',
        object: 'api_key',
        organization_id: 'org_bbbbbbbbbbbbbbbbbbbbbb',
        mode: 'live',
        prefix: 'pk_live_AbCd',
        last4: 'WXYZ',
        permissions: { mcps: '*' },
        scopes: ['keys:read'],
        rate_limit: null,
        usage_limit: null,
        expires_at: '2027-01-01T00:00:00.000Z',
      },
    });
    expect(await me({ ...auth })).toEqual(first);
  });

  it('a reloaded decision (a new policy object) answers its own view, never the old one', async () => {
    const before = await me({
      policy: policy(['keys:read']),
      keyHash: 'h2',
      keyPrefix: 'pk_live_Qq11',
      keyLast4: 'aaaa',
    });
    const after = await me({
      policy: policy(['keys:read', 'usage:read']),
      keyHash: 'h2',
      keyPrefix: 'pk_live_Qq11',
      keyLast4: 'aaaa',
    });
    expect(before.body.data.scopes).toEqual(['keys:read']);
    expect(after.body.data.scopes).toEqual(['keys:read', 'usage:read']);
  });

  it('one policy object reached through another credential answers that credential’s display parts', async () => {
    const shared = policy(['keys:read']);
    const a = await me({ policy: shared, keyHash: 'ha', keyPrefix: 'pk_live_AAAA', keyLast4: '1111' });
    const b = await me({ policy: shared, keyHash: 'hb', keyPrefix: 'pk_live_BBBB', keyLast4: '2222' });
    expect([a.body.data.prefix, a.body.data.last4]).toEqual(['pk_live_AAAA', '1111']);
    expect([b.body.data.prefix, b.body.data.last4]).toEqual(['pk_live_BBBB', '2222']);
  });

  it('without a caller it is a 401 in the error envelope, never a view', async () => {
    const res = await me(null);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'unauthorized' } });
  });
});
