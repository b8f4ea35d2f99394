/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditEntry, InvitationView, MemberView } from '@plexmcp/contracts';
import type { GatewayHandle } from '../src/index.js';
import { type Browser, PASSWORD, PEOPLE_GATEWAY_ENV, asPerson, ownedOrg, signIn } from './support/people.js';
import { type World, http, startWorld } from './support/world.js';

/**
 * People manage people: invitations by mailed one-time link, roles bounded by the inviter's own,
 * role changes that apply at once, removal that ends the member's sessions on every gateway before
 * it answers — and the audit log names the person who did each thing. Two gateways share the
 * session secret, as behind a load balancer.
 */
describe('members and invitations', () => {
  let world: World;
  let a: GatewayHandle;
  let b: GatewayHandle;
  let orgId: string;
  let ownerId: string;
  let owner: Browser;
  let admin: Browser;
  let adminId: string;
  let viewer: Browser;
  let viewerId: string;
  let other: { orgId: string; owner: Browser };

  beforeAll(async () => {
    world = await startWorld('members');
    a = await world.startGateway(PEOPLE_GATEWAY_ENV);
    b = await world.startGateway(PEOPLE_GATEWAY_ENV);
    ({ orgId, ownerId, owner } = await ownedOrg(world, a, 'Acme', 'owner@acme.test'));
    other = await ownedOrg(world, a, 'Other', 'owner@other.test');
  });
  afterAll(async () => {
    await world?.close();
  });

  const invite = (by: Browser, email: string, role: string, gateway = a) =>
    asPerson(gateway, '/v1/invitations', by, { method: 'POST', body: { email, role } });
  const accept = (token: string, password?: string) =>
    asPerson(b, '/v1/invitations/accept', null, {
      method: 'POST',
      body: { token, ...(password === undefined ? {} : { password }) },
    });

  it('an owner invites an admin by a mailed link the inviter never sees; the link makes the account once', async () => {
    const sent = await invite(owner, 'Admin@acme.test', 'admin');
    expect(sent.status).toBe(201);
    expect(sent.body.data).toMatchObject({
      object: 'invitation',
      organization_id: orgId,
      email: 'Admin@acme.test',
      role: 'admin',
      status: 'pending',
      invited_by: { type: 'user', id: ownerId, display: 'owner@acme.test' },
    });
    const token = world.lastLinkTo('admin@acme.test');
    expect(JSON.stringify(sent.body)).not.toContain(token);

    const preview = await asPerson(a, '/v1/invitations/preview', null, { method: 'POST', body: { token } });
    expect(preview.status).toBe(200);
    expect(preview.body.data).toMatchObject({
      organization_name: 'Acme',
      role: 'admin',
      account_exists: false,
    });

    const noPassword = await accept(token);
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.details[0].field).toBe('password');
    const accepted = await accept(token, PASSWORD);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({
      organization_id: orgId,
      role: 'admin',
      account_created: true,
    });
    adminId = accepted.body.data.user_id as string;
    expect((await accept(token, PASSWORD)).status).toBe(401);

    admin = await signIn(b, 'admin@acme.test');
    const members = await asPerson(b, '/v1/members', admin);
    expect(members.status).toBe(200);
    expect((members.body.data as MemberView[]).map((m) => [m.email, m.role]).sort()).toEqual([
      ['Admin@acme.test', 'admin'],
      ['owner@acme.test', 'owner'],
    ]);
  });

  it('an admin invites a viewer, never an owner; the viewer reads but cannot create keys or invite', async () => {
    const asOwner = await invite(admin, 'boss@acme.test', 'owner', b);
    expect(asOwner.status).toBe(403);
    expect(asOwner.body.error.code).toBe('forbidden');

    expect((await invite(admin, 'viewer@acme.test', 'viewer', b)).status).toBe(201);
    const joined = await accept(world.lastLinkTo('viewer@acme.test'), PASSWORD);
    viewerId = joined.body.data.user_id as string;
    viewer = await signIn(a, 'viewer@acme.test');

    expect((await asPerson(a, '/v1/members', viewer)).status).toBe(200);
    expect((await asPerson(a, '/v1/keys', viewer)).status).toBe(200);
    const key = await asPerson(a, '/v1/keys', viewer, { method: 'POST', body: { name: 'nope' } });
    expect(key.status).toBe(403);
    expect((await invite(viewer, 'friend@acme.test', 'viewer')).status).toBe(403);
    expect((await asPerson(a, '/v1/invitations', viewer)).status).toBe(403);
    const promote = await asPerson(a, `/v1/members/${viewerId}`, viewer, {
      method: 'PATCH',
      body: { role: 'admin' },
    });
    expect(promote.status).toBe(403);
  });

  it("the admin's key names the admin as its creator, in the key and in the audit log", async () => {
    const created = await asPerson(a, '/v1/keys', admin, { method: 'POST', body: { name: 'CI' } });
    expect(created.status).toBe(201);
    expect(created.body.data.created_by).toEqual({ type: 'user', id: adminId, display: 'Admin@acme.test' });
    const mine = await asPerson(a, `/v1/keys?created_by=${adminId}`, owner);
    expect((mine.body.data as { id: string }[]).map((k) => k.id)).toEqual([created.body.data.id]);
    const audit = await asPerson(a, '/v1/audit', owner);
    const entry = (audit.body.data as AuditEntry[]).find(
      (e) => e.action === 'key.created' && e.target_id === created.body.data.id,
    );
    expect(entry?.actor).toEqual({ type: 'user', id: adminId, display: 'Admin@acme.test' });
    expect(entry?.actor_key_id).toBeNull();
  });

  it('admins never touch owners; the last owner cannot leave or be demoted', async () => {
    for (const [method, body] of [
      ['PATCH', { role: 'viewer' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await asPerson(b, `/v1/members/${ownerId}`, admin, { method, body });
      expect(res.status).toBe(403);
    }
    const promote = await asPerson(b, `/v1/members/${viewerId}`, admin, {
      method: 'PATCH',
      body: { role: 'owner' },
    });
    expect(promote.status).toBe(403);
    const last = await asPerson(a, `/v1/members/${ownerId}`, owner, {
      method: 'PATCH',
      body: { role: 'admin' },
    });
    expect(last.status).toBe(409);
    expect((await asPerson(a, `/v1/members/${ownerId}`, owner, { method: 'DELETE' })).status).toBe(409);
  });

  it('a new role applies to the very next request, on every gateway, without signing in again', async () => {
    const changed = await asPerson(a, `/v1/members/${viewerId}`, admin, {
      method: 'PATCH',
      body: { role: 'developer' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data.role).toBe('developer');
    for (const gateway of [a, b]) {
      const key = await asPerson(gateway, '/v1/keys', viewer, {
        method: 'POST',
        body: { name: `dev key ${gateway.url}`, scopes: ['keys:read'] },
      });
      expect(key.status).toBe(201);
    }
  });

  it("another organization's owner reaches none of this organization's people or invitations", async () => {
    expect((await asPerson(a, `/v1/members/${adminId}`, other.owner, { method: 'DELETE' })).status).toBe(404);
    expect(
      (
        await asPerson(a, `/v1/members/${adminId}`, other.owner, {
          method: 'PATCH',
          body: { role: 'viewer' },
        })
      ).status,
    ).toBe(404);
    const pending = await invite(owner, 'later@acme.test', 'developer');
    const id = pending.body.data.id as string;
    expect((await asPerson(a, `/v1/invitations/${id}`, other.owner, { method: 'DELETE' })).status).toBe(404);
    const theirs = await asPerson(a, '/v1/members', other.owner);
    expect((theirs.body.data as MemberView[]).map((m) => m.email)).toEqual(['owner@other.test']);
    // Revoked by this organization, the link opens nothing.
    expect((await asPerson(a, `/v1/invitations/${id}`, admin, { method: 'DELETE' })).status).toBe(200);
    const list = await asPerson(a, '/v1/invitations', admin);
    expect((list.body.data as InvitationView[]).map((i) => i.id)).not.toContain(id);
    const token = world.lastLinkTo('later@acme.test');
    expect(
      (await asPerson(a, '/v1/invitations/preview', null, { method: 'POST', body: { token } })).status,
    ).toBe(401);
  });

  it('an API key never manages people, whatever its scopes', async () => {
    const org = await world.createOrg({ name: 'Keyed' });
    for (const [method, path] of [
      ['GET', '/v1/members'],
      ['GET', '/v1/invitations'],
      ['POST', '/v1/invitations'],
    ] as const) {
      const res = await http(a.url, path, {
        method,
        key: org.admin_key.secret,
        ...(method === 'POST' ? { body: { email: 'x@keyed.test', role: 'viewer' } } : {}),
      });
      expect(res.status).toBe(403);
    }
  });

  it("removing the admin ends the admin's live sessions at once on every gateway, and the audit log says who", async () => {
    expect((await asPerson(a, '/v1/keys', admin)).status).toBe(200);
    expect((await asPerson(b, '/v1/keys', admin)).status).toBe(200);
    const removed = await asPerson(a, `/v1/members/${adminId}`, owner, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body.data.sessions_ended).toBeGreaterThanOrEqual(1);
    // No wait: the call answered only once every gateway had evicted the sessions.
    expect((await asPerson(a, '/v1/keys', admin)).status).toBe(401);
    expect((await asPerson(b, '/v1/keys', admin)).status).toBe(401);

    const audit = await asPerson(b, '/v1/audit', owner);
    const entries = audit.body.data as AuditEntry[];
    expect(entries.find((e) => e.action === 'member.removed')).toMatchObject({
      target_type: 'member',
      target_id: adminId,
      actor: { type: 'user', id: ownerId, display: 'owner@acme.test' },
    });
    expect(entries.find((e) => e.action === 'member.role_changed')?.actor.display).toBe('Admin@acme.test');
    expect(entries.find((e) => e.action === 'invitation.accepted')?.actor).toEqual({
      type: 'user',
      id: viewerId,
      display: 'viewer@acme.test',
    });
  });
});
