/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ApiKeyView,
  type AuditEntry,
  type CreatedKey,
  type CreatedOrg,
  Subjects,
  keyPageSchema,
  organizationViewSchema,
} from '@plexmcp/contracts';
import { actorOf, gatewaySuite, http } from './support/world.js';

const display = (key: CreatedKey) => `${key.key.name} (${key.key.prefix}…${key.key.last4})`;

/**
 * Who did it: every audit entry names its actor (a key by name and prefix, the system for the
 * operator and the sweeper), every key records who created it, and the key list narrows to one
 * creator — end to end through the gateway.
 */
describe('audit actors and key creators', () => {
  const s = gatewaySuite('audit_actor');
  let lead: CreatedKey;
  let made: ApiKeyView;
  let other: CreatedOrg;

  beforeAll(async () => {
    other = await s.world.createOrg({ name: 'Other' });
  });

  const as = (key: CreatedKey, path: string, init: { method?: string; body?: unknown } = {}) =>
    http(s.gateway.url, path, { key: key.secret, ...init });

  it('a key made by the operator was created by the system; one made by a key names that key', async () => {
    expect(s.admin.key.created_by).toEqual({ type: 'system', id: null, display: 'system' });
    const created = await as(s.admin, '/v1/keys', {
      method: 'POST',
      body: { name: 'Team lead', scopes: ['keys:read', 'keys:write'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.created_by).toEqual({
      type: 'key',
      id: s.admin.key.id,
      display: display(s.admin),
    });
    lead = { key: created.body.data as ApiKeyView, secret: created.body.data.secret as string };

    const second = await as(lead, '/v1/keys', {
      method: 'POST',
      body: { name: 'CI', scopes: ['keys:read'], expires_in: '30d' },
    });
    expect(second.status).toBe(201);
    made = second.body.data as ApiKeyView;
    expect(made.created_by).toEqual({ type: 'key', id: lead.key.id, display: display(lead) });
    // Read back, not only in the create answer.
    expect((await as(s.admin, `/v1/keys/${made.id}`)).body.data.created_by.id).toBe(lead.key.id);
  });

  it('GET /v1/keys?created_by= lists only what that key created', async () => {
    const byLead = await as(s.admin, `/v1/keys?created_by=${lead.key.id}`);
    expect(byLead.status).toBe(200);
    expect((byLead.body.data as ApiKeyView[]).map((k) => k.id)).toEqual([made.id]);
    const byAdmin = await as(s.admin, `/v1/keys?created_by=${s.admin.key.id}`);
    expect((byAdmin.body.data as ApiKeyView[]).map((k) => k.id)).toEqual([lead.key.id]);
    const all = await as(s.admin, '/v1/keys');
    expect((all.body.data as ApiKeyView[]).length).toBe(3);
    // Paged with the filter kept.
    const first = await as(s.admin, `/v1/keys?created_by=${s.admin.key.id}&limit=1`);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.pagination.next_cursor).toBeNull();
  });

  it('a creator of another organization matches nothing here; a malformed creator is a 400', async () => {
    const foreign = await as(s.admin, `/v1/keys?created_by=${other.admin_key.key.id}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body.data).toEqual([]);
    // The other organization does not see this one's keys through the filter either.
    const across = await as(other.admin_key, `/v1/keys?created_by=${s.admin.key.id}`);
    expect(across.body.data).toEqual([]);
    for (const bad of ['mcp_abcdefgh12345678', "key_x' OR 1=1--", 'nobody', '']) {
      const refused = await as(s.admin, `/v1/keys?created_by=${encodeURIComponent(bad)}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_error');
      expect(refused.body.error.details[0].field).toBe('created_by');
    }
  });

  it('every audit entry names its actor: the acting key, or the system', async () => {
    await as(lead, `/v1/keys/${made.id}`, { method: 'PATCH', body: { name: 'CI renamed' } });
    await as(s.admin, `/v1/keys/${made.id}`, { method: 'DELETE' });
    await s.world.rpc.call(
      Subjects.orgs.update,
      { id: s.org.organization.id, body: { monthly_request_limit: 1000 } },
      organizationViewSchema,
    );
    const audit = await as(s.admin, '/v1/audit');
    expect(audit.status).toBe(200);
    const entries = audit.body.data as AuditEntry[];
    const find = (action: string, target: string) =>
      entries.find((e) => e.action === action && e.target_id === target)?.actor;
    expect(find('key.created', made.id)).toEqual({ type: 'key', id: lead.key.id, display: display(lead) });
    expect(find('key.updated', made.id)).toEqual({ type: 'key', id: lead.key.id, display: display(lead) });
    expect(find('key.revoked', made.id)).toEqual({
      type: 'key',
      id: s.admin.key.id,
      display: display(s.admin),
    });
    expect(find('organization.updated', s.org.organization.id)).toEqual({
      type: 'system',
      id: null,
      display: 'system',
    });
    expect(find('organization.created', s.org.organization.id)?.type).toBe('system');
    for (const entry of entries) expect(entry.actor.display).not.toMatch(/pk_(live|test)_[A-Za-z0-9]{20,}/);
  });

  it('a NATS caller naming a person without a key is nobody, never the operator', async () => {
    const forged = {
      org_id: s.org.organization.id,
      key_id: null,
      session_id: 'ses_abcdefgh12345678',
      ip: null,
    };
    await expect(
      s.world.rpc.call(Subjects.keys.list, { actor: forged, page: { limit: 10 } }, keyPageSchema),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(
      s.world.rpc.call(
        Subjects.organization.update,
        { actor: forged, body: { name: 'forged' } },
        organizationViewSchema,
      ),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    // The acting key still decides when one is named.
    const listed = await s.world.rpc.call(
      Subjects.keys.list,
      { actor: actorOf(lead), page: { limit: 10 } },
      keyPageSchema,
    );
    expect(listed.items.length).toBeGreaterThan(0);
  });

  it('the creator filter narrows together with the tag and metadata filters', async () => {
    const tagged = await as(lead, '/v1/keys', {
      method: 'POST',
      body: {
        name: 'Tagged',
        scopes: ['keys:read'],
        expires_in: '30d',
        tags: ['ci'],
        metadata: { team: 'infra' },
      },
    });
    expect(tagged.status).toBe(201);
    const mine = tagged.body.data.id as string;
    const byAdmin = await as(s.admin, '/v1/keys', {
      method: 'POST',
      body: { name: 'Admin tagged', tags: ['ci'], metadata: { team: 'infra' } },
    });
    expect(byAdmin.status).toBe(201);
    const ids = async (query: string) =>
      ((await as(s.admin, `/v1/keys?${query}`)).body.data as ApiKeyView[]).map((k) => k.id).sort();
    expect(await ids('tag=ci')).toEqual([mine, byAdmin.body.data.id as string].sort());
    expect(await ids(`tag=ci&created_by=${lead.key.id}`)).toEqual([mine]);
    expect(await ids(`metadata=team:infra&created_by=${lead.key.id}`)).toEqual([mine]);
    expect(await ids(`tag=other&created_by=${lead.key.id}`)).toEqual([]);
    expect(await ids(`metadata=team:web&created_by=${lead.key.id}`)).toEqual([]);
  });
});
