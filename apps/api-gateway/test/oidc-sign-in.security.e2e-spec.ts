/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_SCOPES, SecretsSubjects, reencryptSecretsReplySchema } from '@plexmcp/contracts';
import { testDatabaseUrl } from '@plexmcp/service-kit/testing';
import pg from 'pg';
import type { GatewayHandle } from '../src/index.js';
import { type Browser, PEOPLE_GATEWAY_ENV, asPerson, invitedMember, ownedOrg } from './support/people.js';
import { type TestIdentityProvider, startTestIdentityProvider } from './support/test-identity-provider.js';
import { type World, http, startWorld } from './support/world.js';

/**
 * Single sign-on per organization: an owner sets the organization's OpenID Connect provider (the
 * client secret write-only, sealed at rest); people then sign in through a real provider
 * (`oidc-provider` on 127.0.0.1) with the authorization-code flow, and become members with the
 * configured role. Every tampered, replayed, unverified or foreign attempt ends without a session.
 */
describe('OIDC sign-in per organization', () => {
  let world: World;
  let gateway: GatewayHandle;
  let idp: TestIdentityProvider;
  let orgId: string;
  let owner: Browser;
  let other: { orgId: string; owner: Browser };

  const config = () => ({
    issuer: idp.issuer,
    client_id: idp.clientId,
    client_secret: idp.clientSecret,
    allowed_email_domain: 'acme.test',
    default_role: 'viewer',
  });
  const put = (who: Browser, body: unknown) =>
    asPerson(gateway, '/v1/organization/oidc', who, { method: 'PUT', body });

  /** The browser's first leg: the gateway's start route, then the provider. */
  async function startFlow(org: string) {
    const start = await http(gateway.url, `/v1/session/oidc/start?org=${org}`);
    expect(start.status).toBe(302);
    const flowCookie = start.headers.get('set-cookie')!.split(';')[0]!;
    expect(flowCookie).toMatch(/^plexmcp_oidc=/);
    expect(start.headers.get('set-cookie')).toMatch(/HttpOnly/);
    const back = await idp.authorize(start.headers.get('location')!);
    expect(back.pathname).toBe('/v1/session/oidc/callback');
    return { flowCookie, callback: back.pathname + back.search };
  }
  const callback = (path: string, cookie?: string) =>
    http(gateway.url, path, { headers: cookie === undefined ? {} : { cookie } });
  const sessionCookieOf = (res: { headers: Headers }) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('plexmcp_session=') && !c.startsWith('plexmcp_session=;'));

  beforeAll(async () => {
    world = await startWorld('oidc');
    gateway = await world.startGateway(PEOPLE_GATEWAY_ENV);
    idp = await startTestIdentityProvider(`${gateway.url}/v1/session/oidc/callback`);
    ({ orgId, owner } = await ownedOrg(world, gateway, 'Acme', 'owner@acme.test'));
    other = await ownedOrg(world, gateway, 'Other', 'owner@other.test');
  }, 60_000);
  afterAll(async () => {
    await idp?.close();
    await world?.close();
  });

  it('an owner sets the provider; the client secret is never shown, and sealed at rest', async () => {
    const set = await put(owner, config());
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({
      object: 'oidc_config',
      organization_id: orgId,
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret_set: true,
      allowed_email_domain: 'acme.test',
      default_role: 'viewer',
    });
    const read = await asPerson(gateway, '/v1/organization/oidc', owner);
    expect(read.status).toBe(200);
    const audit = await asPerson(gateway, '/v1/audit', owner);
    for (const res of [set, read, audit]) expect(JSON.stringify(res.body)).not.toContain(idp.clientSecret);

    const db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      const schema = world.keyService!.config.KEY_SERVICE_DB_SCHEMA;
      const { rows } = await db.query<{ client_secret: string }>(
        `SELECT client_secret FROM "${schema}".org_oidc_configs WHERE org_id = $1`,
        [orgId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.client_secret).toMatch(/^enc:v1:/);
      expect(rows[0]!.client_secret).not.toContain(idp.clientSecret);
    } finally {
      await db.end();
    }
    // `plexmcp secrets reencrypt` covers the client secrets too.
    const resealed = await world.rpc.call(SecretsSubjects.oidcClientSecrets, {}, reencryptSecretsReplySchema);
    expect(resealed).toMatchObject({ store: 'org_oidc_configs.client_secret', rows: 1, unchanged: 1 });
  });

  it('signs a new person in through the provider: a session, a viewer membership, a working API', async () => {
    idp.signInAs({ email: 'new.person@acme.test', email_verified: true });
    const { flowCookie, callback: path } = await startFlow(orgId);
    const done = await callback(path, flowCookie);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dashboard/');
    const cookie = sessionCookieOf(done);
    expect(cookie).toMatch(/HttpOnly/);
    const browser = { cookie: cookie!.split(';')[0]!, csrf: '' };

    const session = await asPerson(gateway, '/dashboard/api/session', browser);
    expect(session.status).toBe(200);
    expect(session.body.data.organization_id).toBe(orgId);
    expect(session.body.data.account).toMatchObject({
      user: { email: 'new.person@acme.test' },
      role: 'viewer',
    });
    const org = await asPerson(gateway, '/v1/organization', browser);
    expect(org.status).toBe(200);
    expect(org.body.data.id).toBe(orgId);

    // The code is spent: the same answer replayed, even with the flow's cookie, opens nothing.
    const replayed = await callback(path, flowCookie);
    expect(replayed.status).toBe(401);
    expect(sessionCookieOf(replayed)).toBeUndefined();
  });

  it('fetches the discovery document once for many sign-ins, not once per request', async () => {
    const before = idp.discoveries;
    for (let i = 0; i < 5; i++) await startFlow(orgId);
    // The flows above ran after the provider was set, so its document is already cached.
    expect(idp.discoveries - before).toBe(0);
    expect(idp.discoveries).toBeLessThanOrEqual(1);
  });

  it('an existing member keeps their role when signing in through the provider', async () => {
    idp.signInAs({ email: 'OWNER@acme.test', email_verified: true });
    const { flowCookie, callback: path } = await startFlow(orgId);
    const done = await callback(path, flowCookie);
    expect(done.status).toBe(303);
    const browser = { cookie: sessionCookieOf(done)!.split(';')[0]!, csrf: '' };
    const session = await asPerson(gateway, '/dashboard/api/session', browser);
    expect(session.body.data.account).toMatchObject({ user: { email: 'owner@acme.test' }, role: 'owner' });
  });

  it('refuses a tampered state, a callback without its cookie, and a forged cookie', async () => {
    idp.signInAs({ email: 'tamper@acme.test', email_verified: true });
    const { flowCookie, callback: path } = await startFlow(orgId);

    const tampered = path.replace(/state=[^&]+/, 'state=forged-state');
    const badState = await callback(tampered, flowCookie);
    expect(badState.status).toBe(401);
    expect(badState.body.error.message).toMatch(/Single sign-on failed/);
    expect(sessionCookieOf(badState)).toBeUndefined();

    const noCookie = await callback(path);
    expect(noCookie.status).toBe(401);
    expect(sessionCookieOf(noCookie)).toBeUndefined();

    // The flow's cookie names its organization, signed: pointing it at another one breaks the MAC.
    const [body, mac] = flowCookie.slice('plexmcp_oidc='.length).split('.');
    const flow = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...flow, org: other.orgId })).toString('base64url');
    const swapped = await callback(path, `plexmcp_oidc=${forged}.${mac}`);
    expect(swapped.status).toBe(401);
    expect(sessionCookieOf(swapped)).toBeUndefined();
  });

  it('failed sign-ins feed the per-IP throttle: over the budget, start and callback are 429', async () => {
    // A gateway of its own with a budget of 3, so the throttle does not reach the other tests.
    const strict = await world.startGateway({ ...PEOPLE_GATEWAY_ENV, AUTH_FAILURES_PER_MINUTE: '3' });
    const start = await http(strict.url, `/v1/session/oidc/start?org=${orgId}`);
    expect(start.status).toBe(302);
    for (let i = 0; i < 3; i++) {
      const forged = await http(strict.url, '/v1/session/oidc/callback?code=x&state=y', {
        headers: { cookie: 'plexmcp_oidc=forged.mac' },
      });
      expect(forged.status).toBe(401);
    }
    const blockedStart = await http(strict.url, `/v1/session/oidc/start?org=${orgId}`);
    expect(blockedStart.status).toBe(429);
    expect(blockedStart.body.error.code).toBe('rate_limited');
    expect(Number(blockedStart.headers.get('retry-after'))).toBeGreaterThan(0);
    const blockedCallback = await http(strict.url, '/v1/session/oidc/callback?code=x&state=y');
    expect(blockedCallback.status).toBe(429);
    // The main gateway's budget is its own.
    expect((await http(gateway.url, `/v1/session/oidc/start?org=${orgId}`)).status).toBe(302);
  });

  it('refuses an email the provider has not verified, and one outside the allowed domain', async () => {
    idp.signInAs({ email: 'unverified@acme.test', email_verified: false });
    let flow = await startFlow(orgId);
    const unverified = await callback(flow.callback, flow.flowCookie);
    expect(unverified.status).toBe(403);
    expect(sessionCookieOf(unverified)).toBeUndefined();

    idp.signInAs({ email: 'intruder@evil.test', email_verified: true });
    flow = await startFlow(orgId);
    const foreign = await callback(flow.callback, flow.flowCookie);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/acme\.test/);
    expect(sessionCookieOf(foreign)).toBeUndefined();
  });

  it("another organization neither sees this one's provider nor signs in with it", async () => {
    const theirs = await asPerson(gateway, '/v1/organization/oidc', other.owner);
    expect(theirs.status).toBe(404);
    const start = await http(gateway.url, `/v1/session/oidc/start?org=${other.orgId}`);
    expect(start.status).toBe(404);
    expect(start.headers.get('location')).toBeNull();
    const malformed = await http(gateway.url, '/v1/session/oidc/start?org=nope');
    expect(malformed.status).toBe(400);
    // A person signed in through Acme's provider is a member of Acme only.
    idp.signInAs({ email: 'someone@acme.test', email_verified: true });
    const flow = await startFlow(orgId);
    const done = await callback(flow.callback, flow.flowCookie);
    const browser = { cookie: sessionCookieOf(done)!.split(';')[0]!, csrf: '' };
    const session = await asPerson(gateway, '/dashboard/api/session', browser);
    const memberships = session.body.data.account.memberships as { organization_id: string }[];
    expect(memberships.map((m) => m.organization_id)).toEqual([orgId]);
  });

  it('only an owner sets, reads or removes the provider; never an admin or an API key', async () => {
    const admin = await invitedMember(world, gateway, owner, 'admin@acme.test', 'admin');
    expect((await put(admin, config())).status).toBe(403);
    expect((await asPerson(gateway, '/v1/organization/oidc', admin)).status).toBe(403);
    expect((await asPerson(gateway, '/v1/organization/oidc', admin, { method: 'DELETE' })).status).toBe(403);

    const created = await asPerson(gateway, '/v1/keys', owner, {
      method: 'POST',
      body: { name: 'all powerful', scopes: [...ALL_SCOPES] },
    });
    const key = created.body.data.secret as string;
    const byKey = await http(gateway.url, '/v1/organization/oidc', { method: 'PUT', key, body: config() });
    expect(byKey.status).toBe(403);
  });

  it('validates the body: a private issuer outside the allowed networks, a missing secret, an owner default role', async () => {
    const privateIssuer = await put(owner, { ...config(), issuer: 'http://10.1.2.3/' });
    expect(privateIssuer.status).toBe(400);
    expect(privateIssuer.body.error.details[0].field).toBe('issuer');
    const { client_secret: _secret, ...noSecret } = config();
    expect((await put(owner, noSecret)).status).toBe(400);
    expect((await put(owner, { ...config(), default_role: 'owner' })).status).toBe(400);
  });

  it('an owner removes the provider: sign-in through it stops', async () => {
    const removed = await asPerson(gateway, '/v1/organization/oidc', owner, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ removed: true });
    expect((await http(gateway.url, `/v1/session/oidc/start?org=${orgId}`)).status).toBe(404);
  });
});
