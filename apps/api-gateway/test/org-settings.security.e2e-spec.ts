/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  ALL_SCOPES,
  type CreatedKey,
  type CreatedOrg,
  Subjects,
  organizationViewSchema,
} from '@plexmcp/contracts';
import { actorOf, gatewaySuite, http } from './support/world.js';

/**
 * `/v1/organization`: the organization's own settings over REST — name, monthly limit, IP
 * allowlist, suspension — for `org:write` only, always the caller's own organization, every change
 * audited with who made it.
 */
describe('organization settings over REST', () => {
  const s = gatewaySuite('org_settings');
  let admin: CreatedKey;
  let other: CreatedOrg;
  let tester: CreatedKey;

  beforeAll(async () => {
    admin = await s.world.createKey(actorOf(s.admin), {
      name: 'admin (no org:write)',
      scopes: [...ALL_SCOPES],
    });
    tester = await s.world.createKey(actorOf(s.admin), {
      name: 'test',
      mode: 'test',
      scopes: [...ALL_SCOPES],
    });
    other = await s.world.createOrg({ name: 'Other' });
  });

  const as = (key: CreatedKey, init: { method?: string; body?: unknown } = {}) =>
    http(s.gateway.url, '/v1/organization', { key: key.secret, ...init });
  const current = () =>
    s.world.rpc.call(Subjects.orgs.get, { id: s.org.organization.id }, organizationViewSchema);

  it('the organization admin key holds org:write, reads and changes its own organization, audited', async () => {
    expect(s.admin.key.scopes).toContain('org:write');
    const read = await as(s.admin);
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id: s.org.organization.id, object: 'organization', name: 'Acme' });

    const changed = await as(s.admin, {
      method: 'PATCH',
      body: { name: 'Acme Corp', monthly_request_limit: 50_000, ip_allowlist: ['127.0.0.0/8', '::1/128'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      name: 'Acme Corp',
      monthly_request_limit: 50_000,
      ip_allowlist: ['127.0.0.0/8', '::1/128'],
    });
    expect(await current()).toMatchObject({ name: 'Acme Corp', monthly_request_limit: 50_000 });

    const audit = await http(s.gateway.url, '/v1/audit', { key: s.admin.secret });
    const entry = (audit.body.data as { action: string; actor_key_id: string; metadata: unknown }[]).find(
      (e) => e.action === 'organization.updated',
    );
    expect(entry).toMatchObject({
      actor_key_id: s.admin.key.id,
      target_type: 'organization',
      target_id: s.org.organization.id,
      metadata: { changes: { name: 'Acme Corp', monthly_request_limit: 50_000 } },
    });

    // Back to no limit and no allowlist.
    const cleared = await as(s.admin, {
      method: 'PATCH',
      body: { monthly_request_limit: null, ip_allowlist: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ monthly_request_limit: null, ip_allowlist: null });
  });

  it('a key without org:write reads the organization but cannot change it', async () => {
    expect((await as(admin)).status).toBe(200);
    const refused = await as(admin, { method: 'PATCH', body: { name: 'Mine now' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await current()).name).toBe('Acme Corp');
  });

  it('nor can it mint a key holding org:write: a grant never exceeds its maker', async () => {
    const minted = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: admin.secret,
      body: { name: 'escalate', scopes: ['org:write'] },
    });
    expect(minted.status).toBe(403);
    expect(minted.body.error.code).toBe('forbidden');
  });

  it('a test key never changes the organization, whatever its scopes', async () => {
    const refused = await as(tester, { method: 'PATCH', body: { monthly_request_limit: 1 } });
    expect(refused.status).toBe(403);
    expect((await current()).monthly_request_limit).toBeNull();
  });

  it("another organization's owner changes only its own organization: there is no id to aim at", async () => {
    const renamed = await as(other.admin_key, { method: 'PATCH', body: { name: 'Other renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.id).toBe(other.organization.id);
    expect((await current()).name).toBe('Acme Corp');
    // Naming an organization in the body is refused, not ignored.
    const aimed = await as(other.admin_key, {
      method: 'PATCH',
      body: { id: s.org.organization.id, name: 'Hijacked' },
    });
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
      const refused = await as(s.admin, { method: 'PATCH', body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_error');
      expect((refused.body.error.details as { field: string }[]).map((d) => d.field)).toContain(field);
    }
  });

  it('refuses an allowlist that would shut out the address making the change', async () => {
    const refused = await as(s.admin, { method: 'PATCH', body: { ip_allowlist: ['203.0.113.0/24'] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('ip_allowlist');
    expect((await current()).ip_allowlist).toBeNull();
    // The operator (no acting key) may still set any list.
    await s.world.rpc.call(
      Subjects.orgs.update,
      { id: other.organization.id, body: { ip_allowlist: ['203.0.113.0/24'] } },
      organizationViewSchema,
    );
    expect((await as(other.admin_key)).status).toBe(403);
  });

  it('an owner may suspend its own organization: every key stops at once, and only the operator reactivates it', async () => {
    const suspended = await as(s.admin, { method: 'PATCH', body: { status: 'suspended' } });
    expect(suspended.status).toBe(200);
    expect(suspended.body.data.status).toBe('suspended');
    // Every key of the organization, the owner's too, including the call that would undo it.
    expect((await http(s.gateway.url, '/v1/keys', { key: admin.secret })).status).toBe(403);
    const undo = await as(s.admin, { method: 'PATCH', body: { status: 'active' } });
    expect(undo.status).toBe(403);
    expect(undo.body.error.code).toBe('forbidden');
    expect((await current()).status).toBe('suspended');

    await s.world.rpc.call(
      Subjects.orgs.update,
      { id: s.org.organization.id, body: { status: 'active' } },
      organizationViewSchema,
    );
    expect((await as(s.admin)).status).toBe(200);
  });

  it('a NATS caller that bypasses the gateway is held to the same rule', async () => {
    await expect(
      s.world.rpc.call(
        Subjects.organization.update,
        { actor: actorOf(admin, '127.0.0.1'), body: { name: 'via NATS' } },
        organizationViewSchema,
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect((await current()).name).toBe('Acme Corp');
  });
});
