import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Actor, type AppError, Subjects } from '@plexmcp/contracts';
import { z } from 'zod';
import { type Harness, rejection, startHarness } from './support/harness.js';

/** Bad input is refused at the boundary with the offending field named, and writes nothing. */
describe('input validation', () => {
  let h: Harness;
  let admin: Actor;
  let keyId: string;
  let mcpId: string;

  const tableCounts = async () => {
    const { rows } = await h.db.query(
      `SELECT (SELECT count(*) FROM organizations) AS orgs, (SELECT count(*) FROM mcps) AS mcps,
              (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM audit_log) AS audit,
              (SELECT coalesce(sum(version), 0) FROM api_keys) AS key_versions,
              (SELECT coalesce(sum(version), 0) FROM mcps) AS mcp_versions,
              (SELECT coalesce(sum(version), 0) FROM organizations) AS org_versions`,
    );
    return rows[0] as Record<string, string>;
  };

  const refuse = (subject: string, payload: unknown): Promise<AppError> =>
    rejection(h.rpc.call(subject, payload, z.unknown()), `${subject} accepted invalid input`);

  beforeAll(async () => {
    h = await startHarness('validation');
    admin = await h.createAdmin('Validation');
    keyId = (await h.createKey(admin)).key.id;
    mcpId = (await h.createMcp(admin)).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const inYear = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const cases: [string, string, () => unknown, string][] = [
    [
      'unknown field in a key body',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', admin: true } }),
      'body.admin',
    ],
    [
      'unknown top-level field',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x' }, org_id: 'org_12345678' }),
      'org_id',
    ],
    [
      'name of the wrong type',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 42 } }),
      'body.name',
    ],
    [
      'oversized name',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'n'.repeat(101) } }),
      'body.name',
    ],
    [
      'expiry beyond one year',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', expires_at: inYear(367) } }),
      'body.expires_at',
    ],
    [
      'expiry in the past',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', expires_at: inYear(-1) } }),
      'body.expires_at',
    ],
    [
      'expires_in not offered',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', expires_in: '2y' } }),
      'body.expires_in',
    ],
    [
      'both expires_in and expires_at',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', expires_in: '30d', expires_at: inYear(10) } }),
      'body.expires_at',
    ],
    [
      'unknown scope',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', scopes: ['root'] } }),
      'body.scopes.0',
    ],
    [
      'malformed MCP id in permissions',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', permissions: { mcps: ['weather'] } } }),
      'body.permissions.mcps.0',
    ],
    [
      'rate limit of the wrong type',
      Subjects.keys.create,
      () => ({ actor: admin, body: { name: 'x', rate_limit: { requests_per_second: '10', burst: 5 } } }),
      'body.rate_limit.requests_per_second',
    ],
    [
      'malformed actor org id',
      Subjects.keys.list,
      () => ({ actor: { ...admin, org_id: 'acme' }, page: {} }),
      'actor.org_id',
    ],
    ['malformed key id', Subjects.keys.get, () => ({ actor: admin, id: 'key-1' }), 'id'],
    ['malformed key id on revoke', Subjects.keys.revoke, () => ({ actor: admin, id: "key_1' OR 1=1" }), 'id'],
    [
      'grace period not offered',
      Subjects.keys.rotate,
      () => ({ actor: admin, id: keyId, body: { grace_period: '2h' } }),
      'body.grace_period',
    ],
    [
      'oversized name on update',
      Subjects.keys.update,
      () => ({ actor: admin, id: keyId, body: { name: 'n'.repeat(101) } }),
      'body.name',
    ],
    [
      'mode is immutable',
      Subjects.keys.update,
      () => ({ actor: admin, id: keyId, body: { mode: 'test' } }),
      'body.mode',
    ],
    [
      'page limit out of range',
      Subjects.keys.list,
      () => ({ actor: admin, page: { limit: 0 } }),
      'page.limit',
    ],
    [
      'garbage cursor',
      Subjects.keys.list,
      () => ({ actor: admin, page: { cursor: 'bm9wZQ' } }),
      'page.cursor',
    ],
    [
      'key hash that is not SHA-256 hex',
      Subjects.keys.validate,
      () => ({ key_hash: 'pk_live_abc' }),
      'key_hash',
    ],
    [
      'upstream URL with another scheme',
      Subjects.mcps.create,
      () => ({ actor: admin, body: { name: 'x', upstream_url: 'file:///etc/passwd' } }),
      'body.upstream_url',
    ],
    [
      'reserved upstream header',
      Subjects.mcps.create,
      () => ({
        actor: admin,
        body: { name: 'x', upstream_url: 'https://a.example', upstream_headers: { Host: 'b' } },
      }),
      'body.upstream_headers',
    ],
    [
      'unknown MCP mode',
      Subjects.mcps.update,
      () => ({ actor: admin, id: mcpId, body: { mode: 'prod' } }),
      'body.mode',
    ],
    ['malformed MCP id', Subjects.mcps.delete, () => ({ actor: admin, id: 'mcp_!' }), 'id'],
    ['oversized organization name', Subjects.orgs.create, () => ({ name: 'o'.repeat(101) }), 'name'],
    [
      'invalid CIDR in an allowlist',
      Subjects.orgs.create,
      () => ({ name: 'x', ip_allowlist: ['10.0.0.0/33'] }),
      'ip_allowlist.0',
    ],
    [
      'unknown organization status',
      Subjects.orgs.update,
      () => ({ id: admin.org_id, body: { status: 'deleted' } }),
      'body.status',
    ],
    ['organization page over 100', Subjects.orgs.list, () => ({ page: { limit: 101 } }), 'page.limit'],
    ['unreadable organization cursor', Subjects.orgs.list, () => ({ page: { cursor: 'x' } }), 'page.cursor'],
    [
      'unknown field in an organization list',
      Subjects.orgs.list,
      () => ({ page: {}, status: 'active' }),
      'status',
    ],
  ];

  it.each(cases)(
    '%s → validation_error naming the field, nothing written',
    async (_name, subject, payload, field) => {
      const before = await tableCounts();
      const err = await refuse(subject, payload());
      expect(err.code).toBe('validation_error');
      expect(err.details?.map((d) => d.field)).toContain(field);
      expect(await tableCounts()).toEqual(before);
    },
  );
});
