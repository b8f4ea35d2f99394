/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_SCOPES, type AuditEntry, Subjects, organizationViewSchema } from '@plexmcp/contracts';
import type { GatewayHandle } from '../src/index.js';
import { type Browser, PEOPLE_GATEWAY_ENV, asPerson, invitedMember, ownedOrg } from './support/people.js';
import { type World, actorOf, http, startWorld } from './support/world.js';

/**
 * `/v1/organization`: the organization's own settings over REST — name, monthly limit, IP
 * allowlist, suspension — for its owners only (never an admin, never an API key), always the
 * caller's own organization, every change audited with the person who made it.
 */
describe('organization settings over REST', () => {
  let world: World;
  let gateway: GatewayHandle;
  let orgId: string;
  let ownerId: string;
  let owner: Browser;
  let admin: Browser;
  let adminKey: string;
  let other: { orgId: string; owner: Browser };

  beforeAll(async () => {
    world = await startWorld('org_settings');
    gateway = await world.startGateway(PEOPLE_GATEWAY_ENV);
    ({ orgId, ownerId, owner } = await ownedOrg(world, gateway, 'Acme', 'owner@acme.test'));
    other = await ownedOrg(world, gateway, 'Other', 'owner@other.test');
    admin = await invitedMember(world, gateway, owner, 'admin@acme.test', 'admin');
    // A key holding every scope, made by the owner, for the key cases.
    const rotated = await asPerson(gateway, '/v1/keys', owner, {
      method: 'POST',
      body: {
        name: 'all powerful',
        scopes: [...ALL_SCOPES],
      },
    });
    adminKey = rotated.body.data.secret as string;
  });
  afterAll(async () => {
    await world?.close();
  });

  const patch = (who: Browser, body: unknown) =>
    asPerson(gateway, '/v1/organization', who, { method: 'PATCH', body });
  const current = () => world.rpc.call(Subjects.orgs.get, { id: orgId }, organizationViewSchema);

  it('an owner reads and changes the organization; the audit log names the owner', async () => {
    const read = await asPerson(gateway, '/v1/organization', owner);
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({
      id: orgId,
      object: 'organization',
      name: 'Acme',
      status: 'active',
    });

    const changed = await patch(owner, {
      name: 'Acme Corp',
      monthly_request_limit: 50_000,
      ip_allowlist: ['127.0.0.0/8', '::1/128'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      name: 'Acme Corp',
      monthly_request_limit: 50_000,
      ip_allowlist: ['127.0.0.0/8', '::1/128'],
    });
    expect(await current()).toMatchObject({ name: 'Acme Corp', monthly_request_limit: 50_000 });

    const audit = await asPerson(gateway, '/v1/audit', owner);
    const entry = (audit.body.data as AuditEntry[]).find((e) => e.action === 'organization.updated');
    expect(entry).toMatchObject({
      actor: { type: 'user', id: ownerId, display: 'owner@acme.test' },
      target_type: 'organization',
      target_id: orgId,
      metadata: { changes: { name: 'Acme Corp', monthly_request_limit: 50_000 } },
    });

    const cleared = await patch(owner, { monthly_request_limit: null, ip_allowlist: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ monthly_request_limit: null, ip_allowlist: null });
  });

  it('an admin and an API key read the organization but never change it', async () => {
    expect((await asPerson(gateway, '/v1/organization', admin)).status).toBe(200);
    const refused = await patch(admin, { name: 'Mine now' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');

    expect((await http(gateway.url, '/v1/organization', { key: adminKey })).status).toBe(200);
    const byKey = await http(gateway.url, '/v1/organization', {
      method: 'PATCH',
      key: adminKey,
      body: { name: 'Mine' },
    });
    expect(byKey.status).toBe(403);
    const orgKey = (await world.createOrg({ name: 'Keyed' })).admin_key;
    const byOrgKey = await http(gateway.url, '/v1/organization', {
      method: 'PATCH',
      key: orgKey.secret,
      body: { status: 'suspended' },
    });
    expect(byOrgKey.status).toBe(403);
    expect((await current()).name).toBe('Acme Corp');
  });

  it("another organization's owner changes only its own organization: there is no id to aim at", async () => {
    const renamed = await patch(other.owner, { name: 'Other renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.id).toBe(other.orgId);
    expect((await current()).name).toBe('Acme Corp');
    const aimed = await patch(other.owner, { id: orgId, name: 'Hijacked' });
    expect(aimed.status).toBe(400);
    expect(aimed.body.error.code).toBe('validation_error');
    expect((await current()).name).toBe('Acme Corp');
  });

  it('refuses malformed settings with the field named', async () => {
    for (const [body, field] of [
      [{ ip_allowlist: ['10.0.0.0/33'] }, 'ip_allowlist.0'],
      [{ ip_allowlist: ['not-a-cidr'] }, 'ip_allowlist.0'],
      [{ monthly_request_limit: 0 }, 'monthly_request_limit'],
      [{ monthly_request_limit: 1.5 }, 'monthly_request_limit'],
      [{ status: 'deleted' }, 'status'],
      [{ name: '' }, 'name'],
      [{}, ''],
    ] as const) {
      const refused = await patch(owner, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_error');
      expect((refused.body.error.details as { field: string }[]).map((d) => d.field)).toContain(field);
    }
  });

  it('refuses an allowlist that would shut out the address making the change', async () => {
    const refused = await patch(owner, { ip_allowlist: ['203.0.113.0/24'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('ip_allowlist');
    expect((await current()).ip_allowlist).toBeNull();
    // The operator (no acting key) may still set any list.
    await world.rpc.call(
      Subjects.orgs.update,
      { id: other.orgId, body: { ip_allowlist: ['203.0.113.0/24'] } },
      organizationViewSchema,
    );
    expect((await asPerson(gateway, '/v1/organization', other.owner)).status).toBe(403);
  });

  it('an owner may suspend the organization: every key and session stops at once; only the operator reactivates', async () => {
    const suspended = await patch(owner, { status: 'suspended' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.data.status).toBe('suspended');
    expect((await http(gateway.url, '/v1/keys', { key: adminKey })).status).toBe(403);
    expect((await asPerson(gateway, '/v1/keys', admin)).status).toBe(403);
    const undo = await patch(owner, { status: 'active' });
    expect(undo.status).toBe(403);
    expect((await current()).status).toBe('suspended');

    await world.rpc.call(
      Subjects.orgs.update,
      { id: orgId, body: { status: 'active' } },
      organizationViewSchema,
    );
    expect((await asPerson(gateway, '/v1/organization', owner)).status).toBe(200);
  });

  it('a NATS caller that bypasses the gateway is held to the same rule', async () => {
    const keys = await http(gateway.url, '/v1/keys', { key: adminKey });
    const keyId = (keys.body.data as { id: string; name: string }[]).find(
      (k) => k.name === 'all powerful',
    )!.id;
    await expect(
      world.rpc.call(
        Subjects.organization.update,
        {
          actor: actorOf({ key: { id: keyId, organization_id: orgId } }, '127.0.0.1'),
          body: { name: 'via NATS' },
        },
        organizationViewSchema,
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect((await current()).name).toBe('Acme Corp');
  });
});
