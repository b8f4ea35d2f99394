import { createdOrgSchema } from '@plexmcp/contracts';
import type { GatewayHandle } from '../../src/index.js';
import { type HttpResult, type World, http } from './world.js';

/**
 * A gateway people sign in to: a fixed session secret (so several gateways accept one cookie, as
 * behind a load balancer), no dashboard files, and no per-address throttle in the way.
 */
export const PEOPLE_GATEWAY_ENV = {
  SESSION_SECRET: 'a-test-secret-that-is-long-enough-000',
  DASHBOARD_DIR: '/nonexistent',
  AUTH_FAILURES_PER_MINUTE: '100000',
};

/** What every signed-in test person uses as a password. */
export const PASSWORD = 'correct horse battery staple';

/** A signed-in browser: its session cookie and the CSRF token state-changing calls carry. */
export interface Browser {
  cookie: string;
  csrf: string;
}

/** The browser a sign-in (or set-password) answer left behind. */
export function browserOf(res: HttpResult): Browser {
  return {
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!,
    csrf: (res.body as { data: { csrf_token: string } }).data.csrf_token,
  };
}

/** A call as the dashboard's own page makes it: same origin, the cookie, the CSRF token. */
export function asPerson(
  gateway: GatewayHandle,
  path: string,
  browser: Browser | null,
  init: { method?: string; body?: unknown } = {},
): Promise<HttpResult> {
  return http(gateway.url, path, {
    ...init,
    headers: {
      origin: gateway.url,
      ...(browser ? { cookie: browser.cookie, 'x-csrf-token': browser.csrf } : {}),
    },
  });
}

/** Signs in with email and password (no second factor). */
export async function signIn(gateway: GatewayHandle, email: string, password = PASSWORD): Promise<Browser> {
  const res = await asPerson(gateway, '/dashboard/api/account/sign-in', null, {
    method: 'POST',
    body: { email, password },
  });
  if (res.status !== 201) throw new Error(`sign-in of ${email} answered ${res.status}`);
  return browserOf(res);
}

/**
 * An organization made as the operator makes it (`plexmcp org create --owner-email`), whose owner
 * then set a password through the one-time link: signed in.
 */
export async function ownedOrg(
  world: World,
  gateway: GatewayHandle,
  name: string,
  email: string,
): Promise<{ orgId: string; ownerId: string; owner: Browser }> {
  const created = createdOrgSchema.parse(await world.createOrg({ name, owner_email: email }));
  const res = await asPerson(gateway, '/dashboard/api/account/password', null, {
    method: 'POST',
    body: { token: created.owner!.set_password_token, password: PASSWORD },
  });
  if (res.status !== 201) throw new Error(`setting the owner's password answered ${res.status}`);
  return { orgId: created.organization.id, ownerId: created.owner!.user_id, owner: browserOf(res) };
}

/** A person invited by `inviter` with `role`, who accepted the link and signed in. */
export async function invitedMember(
  world: World,
  gateway: GatewayHandle,
  inviter: Browser,
  email: string,
  role: string,
): Promise<Browser> {
  await asPerson(gateway, '/v1/invitations', inviter, { method: 'POST', body: { email, role } });
  await asPerson(gateway, '/v1/invitations/accept', null, {
    method: 'POST',
    body: { token: world.lastLinkTo(email), password: PASSWORD },
  });
  return signIn(gateway, email);
}
