import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CreatedOwner,
  type Role,
  Subjects,
  createdOrgSchema,
  createdOwnerSchema,
  removedMemberSchema,
} from '@plexmcp/contracts';
import { generate } from 'otplib';
import type { GatewayHandle } from '../src/index.js';
import { type HttpResult, type World, http, startWorld } from './support/world.js';

const PASSWORD = 'correct horse battery staple';

interface Browser {
  cookie: string;
  csrf: string;
}

/**
 * People sign in to the dashboard with accounts; their sessions live in the key-service's session
 * list, which every gateway checks. Two gateways share the session secret, as behind a load
 * balancer, so a cookie copied from one is tried on the other.
 */
describe('accounts and server-side sessions', () => {
  let world: World;
  let a: GatewayHandle;
  let b: GatewayHandle;
  let orgId: string;
  let otherOrgId: string;
  let owner: CreatedOwner;

  beforeAll(async () => {
    world = await startWorld('accounts');
    const env = {
      SESSION_SECRET: 'a-test-secret-that-is-long-enough-000',
      DASHBOARD_DIR: '/nonexistent',
      // Many failures come from this one address: the account's own lockout is what is tested.
      AUTH_FAILURES_PER_MINUTE: '100000',
    };
    a = await world.startGateway(env);
    b = await world.startGateway(env);
    const created = createdOrgSchema.parse(
      await world.createOrg({ name: 'Acme', owner_email: 'owner@acme.test' }),
    );
    orgId = created.organization.id;
    owner = created.owner!;
    otherOrgId = (await world.createOrg({ name: 'Other' })).organization.id;
  });

  afterAll(async () => {
    await world?.close();
  });

  /** As the dashboard's own page posts it. */
  const post = (gateway: GatewayHandle, path: string, body: unknown, browser?: Browser) =>
    http(gateway.url, path, {
      method: 'POST',
      body,
      headers: {
        origin: gateway.url,
        ...(browser ? { cookie: browser.cookie, 'x-csrf-token': browser.csrf } : {}),
      },
    });

  const browserOf = (res: HttpResult): Browser => ({
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!,
    csrf: (res.body as { data: { csrf_token: string } }).data.csrf_token,
  });

  const addMember = (email: string, role: Role, org = orgId) =>
    world.rpc.call(Subjects.orgs.addMember, { org_id: org, email, role }, createdOwnerSchema);

  /** A member who set a password through their link: signed in. */
  const member = async (email: string, role: Role): Promise<{ link: CreatedOwner; browser: Browser }> => {
    const link = await addMember(email, role);
    const res = await post(a, '/dashboard/api/account/password', {
      token: link.set_password_token,
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    return { link, browser: browserOf(res) };
  };

  const signIn = (gateway: GatewayHandle, email: string, password = PASSWORD, extra: object = {}) =>
    post(gateway, '/dashboard/api/account/sign-in', { email, password, ...extra });

  const get = (gateway: GatewayHandle, path: string, browser: Browser) =>
    http(gateway.url, path, { headers: { cookie: browser.cookie } });

  it('the owner sets a password through the one-time link, which then no longer works', async () => {
    expect(owner.email).toBe('owner@acme.test');
    const short = await post(a, '/dashboard/api/account/password', {
      token: owner.set_password_token,
      password: 'short',
    });
    expect(short.status).toBe(400);

    const res = await post(a, '/dashboard/api/account/password', {
      token: owner.set_password_token,
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^plexmcp_session=a1\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/,
    );
    const session = (res.body as { data: { account: { role: string; organization: { id: string } } } }).data;
    expect(session.account).toMatchObject({ role: 'owner', organization: { id: orgId } });
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);

    const again = await post(a, '/dashboard/api/account/password', {
      token: owner.set_password_token,
      password: PASSWORD,
    });
    expect(again.status).toBe(401);

    // Signing in with the password works from any gateway; a wrong one says nothing about the account.
    expect((await signIn(b, 'OWNER@acme.test')).status).toBe(201);
    const wrong = await signIn(b, 'owner@acme.test', 'not the password at all');
    const unknown = await signIn(b, 'nobody@acme.test', 'not the password at all');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect((wrong.body as { error: { message: string } }).error.message).toBe(
      (unknown.body as { error: { message: string } }).error.message,
    );
  });

  it('a viewer reads but cannot create keys; an admin creates one; neither reaches another organization', async () => {
    const viewer = await member('viewer@acme.test', 'viewer');
    const admin = await member('admin@acme.test', 'admin');

    expect((await get(a, '/v1/keys', viewer.browser)).status).toBe(200);
    const refused = await post(a, '/v1/keys', { name: 'nope', permissions: { mcps: '*' } }, viewer.browser);
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('forbidden');

    const created = await post(
      b,
      '/v1/keys',
      { name: 'ci', permissions: { mcps: '*' }, scopes: [] },
      admin.browser,
    );
    expect(created.status).toBe(201);

    // Without the CSRF token a write is refused whoever the session is.
    const forged = await http(a.url, '/v1/keys', {
      method: 'POST',
      body: { name: 'forged', permissions: { mcps: '*' } },
      headers: { cookie: admin.browser.cookie },
    });
    expect(forged.status).toBe(403);

    // Another organization's ids do not exist for them, and they cannot enter it.
    const foreignKey = (await world.createOrg({ name: 'Foreign' })).admin_key.key.id;
    expect((await get(a, `/v1/keys/${foreignKey}`, admin.browser)).status).toBe(404);
    expect((await signIn(a, 'admin@acme.test', PASSWORD, { organization_id: otherOrgId })).status).toBe(404);
    const switched = await post(
      a,
      '/dashboard/api/account/organization',
      { organization_id: otherOrgId },
      admin.browser,
    );
    expect(switched.status).toBe(404);
  });

  it('sign-out ends the session on every gateway: a copied cookie is refused at once', async () => {
    const signedIn = await signIn(a, 'owner@acme.test');
    const browser = browserOf(signedIn);
    // Both gateways have the session cached.
    expect((await get(a, '/v1/keys', browser)).status).toBe(200);
    expect((await get(b, '/v1/keys', browser)).status).toBe(200);

    const out = await http(a.url, '/dashboard/api/session', {
      method: 'DELETE',
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf },
    });
    expect(out.status).toBe(200);
    for (const gateway of [a, b]) {
      const copied = await get(gateway, '/v1/keys', browser);
      expect(copied.status).toBe(401);
      expect((copied.body as { error: { message: string } }).error.message).toMatch(/session has ended/);
    }
  });

  it('removing a member ends their live sessions on every gateway at once', async () => {
    const leaver = await member('leaver@acme.test', 'admin');
    expect((await get(a, '/v1/keys', leaver.browser)).status).toBe(200);
    expect((await get(b, '/v1/keys', leaver.browser)).status).toBe(200);

    const removed = await world.rpc.call(
      Subjects.orgs.removeMember,
      { org_id: orgId, user_id: leaver.link.user_id },
      removedMemberSchema,
    );
    expect(removed.removed).toBe(true);
    expect((await get(a, '/v1/keys', leaver.browser)).status).toBe(401);
    expect((await get(b, '/v1/keys', leaver.browser)).status).toBe(401);
    // Nor can they sign in to it again.
    expect((await signIn(a, 'leaver@acme.test')).status).toBe(403);
  });

  it('sign out everywhere ends every session of the person', async () => {
    const one = browserOf(await signIn(a, 'viewer@acme.test'));
    const two = browserOf(await signIn(b, 'viewer@acme.test'));
    const res = await post(b, '/dashboard/api/account/sign-out-everywhere', {}, one);
    expect(res.status).toBe(200);
    expect((res.body as { data: { sessions_ended: number } }).data.sessions_ended).toBeGreaterThanOrEqual(2);
    expect((await get(a, '/v1/keys', two)).status).toBe(401);
    expect((await get(b, '/v1/keys', one)).status).toBe(401);
  });

  it('locks an account after repeated wrong passwords, even against the right one', async () => {
    await member('target@acme.test', 'developer');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await signIn(a, 'target@acme.test', `guess number ${i}!!`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    const locked = await signIn(b, 'target@acme.test');
    expect(locked.status).toBe(429);
    expect((locked.body as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('TOTP: enrolment with recovery codes, a second sign-in step, no replayed code, recovery codes once', async () => {
    const { browser } = await member('totp@acme.test', 'developer');
    const enrolled = await post(a, '/dashboard/api/account/totp', {}, browser);
    expect(enrolled.status).toBe(201);
    const { secret } = (enrolled.body as { data: { secret: string } }).data;
    expect((await post(a, '/dashboard/api/account/totp/confirm', { code: '000000' }, browser)).status).toBe(
      400,
    );
    const confirmed = await post(
      a,
      '/dashboard/api/account/totp/confirm',
      { code: await generate({ secret }) },
      browser,
    );
    expect(confirmed.status).toBe(200);
    const codes = (confirmed.body as { data: { recovery_codes: string[] } }).data.recovery_codes;
    expect(codes).toHaveLength(10);

    const first = await signIn(a, 'totp@acme.test');
    expect(first.status).toBe(200);
    expect(first.headers.get('set-cookie')).toBeNull();
    const { challenge } = (first.body as { data: { totp_required: true; challenge: string } }).data;
    // The challenge is no session.
    expect((await get(a, '/v1/keys', { cookie: `plexmcp_session=a1.${challenge}`, csrf: '' })).status).toBe(
      401,
    );

    // A code accepted once (at enrolment) is a replay.
    const replay = await post(a, '/dashboard/api/account/sign-in/totp', {
      challenge,
      code: await generate({ secret }),
    });
    expect(replay.status).toBe(401);
    const recovered = await post(a, '/dashboard/api/account/sign-in/totp', { challenge, code: codes[0] });
    expect(recovered.status).toBe(201);
    expect((await get(b, '/v1/keys', browserOf(recovered))).status).toBe(200);

    const second = await signIn(a, 'totp@acme.test');
    const challenge2 = (second.body as { data: { challenge: string } }).data.challenge;
    expect(
      (await post(a, '/dashboard/api/account/sign-in/totp', { challenge: challenge2, code: codes[0] }))
        .status,
    ).toBe(401);
  });

  it('a member of two organizations switches between them; the old session ends', async () => {
    const second = await world.createOrg({ name: 'Second', owner_email: 'viewer@acme.test' });
    const browser = browserOf(await signIn(a, 'viewer@acme.test'));
    const before = await get(a, '/dashboard/api/session', browser);
    expect(
      (before.body as { data: { account: { memberships: unknown[] } } }).data.account.memberships,
    ).toHaveLength(2);

    const switched = await post(
      a,
      '/dashboard/api/account/organization',
      { organization_id: second.organization.id },
      browser,
    );
    expect(switched.status).toBe(201);
    const view = (switched.body as { data: { organization_id: string; account: { role: string } } }).data;
    expect(view).toMatchObject({ organization_id: second.organization.id, account: { role: 'owner' } });
    const next = browserOf(switched);
    // Now an owner there: it may create keys in the second organization, and only there.
    const key = await post(b, '/v1/keys', { name: 'second', permissions: { mcps: '*' } }, next);
    expect(key.status).toBe(201);
    expect((key.body as { data: { organization_id: string } }).data.organization_id).toBe(
      second.organization.id,
    );
    expect((await get(b, '/v1/keys', browser)).status).toBe(401);
  });

  it('a password reset answers the same whether or not the account exists', async () => {
    const known = await post(a, '/dashboard/api/account/password-reset', { email: 'owner@acme.test' });
    const unknown = await post(a, '/dashboard/api/account/password-reset', { email: 'nobody@acme.test' });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(known.body).toEqual(unknown.body);
  });

  it('fails closed: a session no gateway has cached is refused with 503 while the key-service is down', async () => {
    const browser = browserOf(await signIn(a, 'owner@acme.test'));
    await world.stopKeyService();
    try {
      const res = await get(b, '/v1/keys', browser);
      expect(res.status).toBe(503);
    } finally {
      await world.startKeyService();
    }
  });

  it('admin-key sign-in is off unless DASHBOARD_KEY_SIGN_IN=true', async () => {
    const admin = (await world.createOrg({ name: 'Keyed' })).admin_key;
    const res = await post(a, '/dashboard/api/session', { key: admin.secret });
    expect(res.status).toBe(403);
  });
});
