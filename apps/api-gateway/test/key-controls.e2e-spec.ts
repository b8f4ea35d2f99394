/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- HTTP bodies are JSON inspected field by field */
import { describe, expect, it } from '@jest/globals';
import { gatewaySuite, http } from './support/world.js';

/**
 * Key controls through REST: metadata and tags (and the list filters on them), a key's own IP
 * allowlist beside its organization's, and disabling a key without revoking it — evicted from
 * every gateway before the change answers, like a revocation, and back at once when re-enabled.
 */
describe('key controls over REST', () => {
  const s = gatewaySuite('key_controls', { gatewayEnv: { TRUSTED_PROXIES: '127.0.0.1/32' } });
  const call = (path: string, init: { key?: string; method?: string; body?: unknown; ip?: string } = {}) =>
    http(s.gateway.url, path, {
      key: init.key ?? s.admin.secret,
      ...(init.method === undefined ? {} : { method: init.method }),
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.ip === undefined ? {} : { headers: { 'x-forwarded-for': init.ip } }),
    });

  it('stores metadata and tags, and filters the list by them', async () => {
    const created = await call('/v1/keys', {
      method: 'POST',
      body: { name: 'billing-worker', metadata: { team: 'payments', env: 'prod' }, tags: ['prod', 'ci'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      metadata: { team: 'payments', env: 'prod' },
      tags: ['prod', 'ci'],
    });
    const other = await call('/v1/keys', { method: 'POST', body: { name: 'other', tags: ['dev'] } });
    const ids = async (query: string) =>
      ((await call(`/v1/keys?${query}`)).body.data as Array<{ id: string }>).map((k) => k.id);
    expect(await ids('tag=prod')).toEqual([created.body.data.id]);
    expect(await ids('tag=dev')).toEqual([other.body.data.id]);
    expect(await ids('metadata=team:payments')).toEqual([created.body.data.id]);
    expect(await ids('metadata=team:payments&tag=dev')).toEqual([]);
    expect(await ids('metadata=team:pay')).toEqual([]);

    const changed = await call(`/v1/keys/${created.body.data.id}`, {
      method: 'PATCH',
      body: { tags: ['prod'], metadata: { team: 'risk' } },
    });
    expect(changed.body.data).toMatchObject({ tags: ['prod'], metadata: { team: 'risk' } });
    expect(await ids('metadata=team:payments')).toEqual([]);

    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    const refused = await call('/v1/keys', { method: 'POST', body: { name: 'x', metadata: tooMany } });
    expect(refused.status).toBe(400);
    expect((await call('/v1/keys?metadata=nocolon')).status).toBe(400);
    expect(
      (await call('/v1/keys', { method: 'POST', body: { name: 'x', tags: ['has space'] } })).status,
    ).toBe(400);
  });

  it('refuses a key outside its own IP allowlist, and a key cannot hand out a wider one', async () => {
    const created = await call('/v1/keys', {
      method: 'POST',
      body: { name: 'office', scopes: ['keys:write'], ip_allowlist: ['203.0.113.0/24'], expires_in: '90d' },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.ip_allowlist).toEqual(['203.0.113.0/24']);
    const secret: string = created.body.data.secret;
    expect((await call('/v1/me', { key: secret, ip: '203.0.113.9' })).status).toBe(200);
    const outside = await call('/v1/me', { key: secret, ip: '198.51.100.1' });
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe('forbidden');

    const from = { key: secret, ip: '203.0.113.9', method: 'POST' };
    expect((await call('/v1/keys', { ...from, body: { name: 'open', expires_in: '30d' } })).status).toBe(403);
    const wider = { name: 'wider', ip_allowlist: ['203.0.0.0/16'], expires_in: '30d' };
    expect((await call('/v1/keys', { ...from, body: wider })).status).toBe(403);
    const narrower = { name: 'narrower', ip_allowlist: ['203.0.113.7'], expires_in: '30d' };
    expect((await call('/v1/keys', { ...from, body: narrower })).status).toBe(201);
  });

  it('disables a key at once without revoking it, and enables it again', async () => {
    const created = await call('/v1/keys', { method: 'POST', body: { name: 'pausable' } });
    const { id, secret } = created.body.data as { id: string; secret: string };
    // Cached as allowed first, so the refusal below proves the eviction.
    expect((await call('/v1/me', { key: secret })).status).toBe(200);

    const disabled = await call(`/v1/keys/${id}`, { method: 'PATCH', body: { status: 'disabled' } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.data).toMatchObject({ status: 'disabled', revoked_at: null });
    const refused = await call('/v1/me', { key: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('API key is disabled');
    expect((await call(`/v1/keys/${id}`)).body.data.status).toBe('disabled');

    const enabled = await call(`/v1/keys/${id}`, { method: 'PATCH', body: { status: 'active' } });
    expect(enabled.body.data.status).toBe('active');
    expect((await call('/v1/me', { key: secret })).status).toBe(200);

    // A revoked key cannot be brought back by enabling it.
    expect((await call(`/v1/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`/v1/keys/${id}`, { method: 'PATCH', body: { status: 'active' } })).status).toBe(409);
    expect((await call('/v1/me', { key: secret })).status).toBe(401);
  });
});
