import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Actor,
  Subjects,
  apiKeyViewSchema,
  auditPageSchema,
  keyPageSchema,
  mcpPageSchema,
  rotatedKeySchema,
  UsageSubjects,
} from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import { type Harness, actorOf, rejection, startHarness } from './support/harness.js';

const DAY = 86_400_000;

describe('API-key lifecycle', () => {
  let h: Harness;
  let admin: Actor;

  beforeAll(async () => {
    h = await startHarness('lifecycle');
    admin = await h.createAdmin('Lifecycle');
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('expiry', () => {
    it('defaults to 90 days and accepts 30d, 90d, 365d and an explicit date within a year', async () => {
      const expect_ = async (body: Record<string, unknown>, days: number) => {
        const before = Date.now();
        const { key } = await h.createKey(admin, body);
        const at = Date.parse(key.expires_at);
        expect(at).toBeGreaterThanOrEqual(before + days * DAY);
        expect(at).toBeLessThanOrEqual(Date.now() + days * DAY);
      };
      await expect_({}, 90);
      await expect_({ expires_in: '30d' }, 30);
      await expect_({ expires_in: '90d' }, 90);
      await expect_({ expires_in: '365d' }, 365);
      const at = new Date(Date.now() + 7 * DAY).toISOString();
      expect((await h.createKey(admin, { expires_at: at })).key.expires_at).toBe(at);
    });
  });

  describe('the organization admin key', () => {
    it('is live, has every scope, every MCP and 90 days', async () => {
      const org = await h.createOrg({ name: 'Fresh' });
      expect(org.admin_key.key).toMatchObject({
        mode: 'live',
        permissions: { mcps: '*' },
        status: 'active',
        organization_id: org.organization.id,
      });
      expect(org.admin_key.key.scopes).toHaveLength(9);
      const days =
        (Date.parse(org.admin_key.key.expires_at) - Date.parse(org.admin_key.key.created_at)) / DAY;
      expect(days).toBe(90);
    });
  });

  describe('rotation', () => {
    it('issues a new key with the same name, permissions, scopes and limits; grace 0 revokes the old one now', async () => {
      const mcp = await h.createMcp(admin);
      // What the replacement must carry over.
      const grants = {
        name: 'Rotating',
        permissions: { mcps: [mcp.id] },
        scopes: ['usage:read'],
        rate_limit: { requests_per_second: 3, burst: 6 },
        usage_limit: { requests: 50, period: 'month' },
      };
      const old = await h.createKey(admin, { ...grants, expires_in: '30d' });
      const rotated = await h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: old.key.id, body: {} },
        rotatedKeySchema,
      );
      expect(rotated.secret).not.toBe(old.secret);
      expect(rotated.key).toMatchObject({ ...grants, mode: 'live', status: 'active' });
      const lifetime = Date.parse(rotated.key.expires_at) - Date.parse(rotated.key.created_at);
      expect(Math.round(lifetime / DAY)).toBe(30);
      expect(rotated.previous).toMatchObject({
        id: old.key.id,
        status: 'revoked',
        rotated_to: rotated.key.id,
      });
      expect((await h.validate(old.secret)).status).toBe('revoked');
      expect((await h.validate(rotated.secret)).status).toBe('active');
    });

    it('keeps the old key working through the grace period, never beyond its own expiry', async () => {
      const old = await h.createKey(admin, {
        expires_at: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      });
      const rotated = await h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: old.key.id, body: { grace_period: '7d' } },
        rotatedKeySchema,
      );
      expect(rotated.previous.status).toBe('active');
      // The grace period is capped by the old key's expiry, and the view says when it ends.
      expect(rotated.previous.grace_ends_at).toBe(old.key.expires_at);
      expect(rotated.key.grace_ends_at).toBeNull();
      const during = await h.validate(old.secret);
      expect(during.status).toBe('active');
      expect(during.policy!.expires_at).toBe(old.key.expires_at);
    });

    it('records the rotation and the revocation in the audit log with actor and IP', async () => {
      const old = await h.createKey(admin);
      const rotated = await h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: old.key.id, body: {} },
        rotatedKeySchema,
      );
      const audit = await h.rpc.call(
        Subjects.audit.list,
        { actor: admin, page: { limit: 20 } },
        auditPageSchema,
      );
      const about = audit.items.filter((e) => [old.key.id, rotated.key.id].includes(e.target_id));
      expect(about.map((e) => `${e.action}:${e.target_id}`)).toEqual(
        expect.arrayContaining([
          `key.rotated:${old.key.id}`,
          `key.revoked:${old.key.id}`,
          `key.created:${rotated.key.id}`,
        ]),
      );
      for (const entry of about) expect(entry).toMatchObject({ actor_key_id: admin.key_id, ip: admin.ip });
    });

    it('rotating a revoked, expired or already rotated key is a conflict', async () => {
      const revoked = await h.createKey(admin);
      await h.rpc.call(Subjects.keys.revoke, { actor: admin, id: revoked.key.id }, apiKeyViewSchema);
      const expired = await h.createKey(admin);
      await h.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        expired.key.id,
      ]);
      const graced = await h.createKey(admin);
      await h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: graced.key.id, body: { grace_period: '1h' } },
        rotatedKeySchema,
      );
      for (const id of [revoked.key.id, expired.key.id, graced.key.id]) {
        const err = await rejection(
          h.rpc.call(Subjects.keys.rotate, { actor: admin, id, body: {} }, rotatedKeySchema),
        );
        expect(err.code).toBe('conflict');
      }
    });
  });

  describe('update and revoke', () => {
    it('updates permissions and limits, and validation answers with the new policy', async () => {
      const key = await h.createKey(admin, { scopes: ['keys:read'] });
      expect((await h.validate(key.secret)).policy!.scopes).toEqual(['keys:read']);
      const updated = await h.rpc.call(
        Subjects.keys.update,
        {
          actor: admin,
          id: key.key.id,
          body: { name: 'Renamed', scopes: ['keys:read', 'usage:read'], rate_limit: null },
        },
        apiKeyViewSchema,
      );
      expect(updated).toMatchObject({
        name: 'Renamed',
        scopes: ['keys:read', 'usage:read'],
        rate_limit: null,
      });
      const after = await h.validate(key.secret);
      expect(after.policy!.scopes).toEqual(['keys:read', 'usage:read']);
    });

    it('moves the expiry within its bounds, and validation answers with the new one', async () => {
      const key = await h.createKey(admin, { expires_in: '30d' });
      const later = new Date(Date.parse(key.key.created_at) + 200 * DAY).toISOString();
      const updated = await h.rpc.call(
        Subjects.keys.update,
        { actor: admin, id: key.key.id, body: { expires_at: later } },
        apiKeyViewSchema,
      );
      expect(updated.expires_at).toBe(later);
      expect((await h.validate(key.secret)).policy!.expires_at).toBe(later);

      const yearAfterCreation = new Date(Date.parse(key.key.created_at));
      yearAfterCreation.setUTCFullYear(yearAfterCreation.getUTCFullYear() + 1);
      for (const refused of [
        new Date(Date.now() - 1_000).toISOString(),
        new Date(yearAfterCreation.getTime() + 1).toISOString(),
      ]) {
        const err = await rejection(
          h.rpc.call(
            Subjects.keys.update,
            { actor: admin, id: key.key.id, body: { expires_at: refused } },
            apiKeyViewSchema,
          ),
        );
        expect(err.code).toBe('validation_error');
        expect(err.details?.[0]?.field).toBe('body.expires_at');
      }
      expect((await h.validate(key.secret)).policy!.expires_at).toBe(later);
    });

    it('a narrower key cannot move a key past its own expiry', async () => {
      const manager = await h.createKey(admin, { scopes: ['keys:read', 'keys:write'], expires_in: '30d' });
      const target = await h.createKey(actorOf(manager), {
        expires_at: new Date(Date.parse(manager.key.expires_at) - 2 * DAY).toISOString(),
      });
      const past = new Date(Date.parse(manager.key.expires_at) + DAY).toISOString();
      const err = await rejection(
        h.rpc.call(
          Subjects.keys.update,
          { actor: actorOf(manager), id: target.key.id, body: { expires_at: past } },
          apiKeyViewSchema,
        ),
      );
      expect(err.code).toBe('forbidden');
      const within = new Date(Date.parse(manager.key.expires_at) - DAY).toISOString();
      const moved = await h.rpc.call(
        Subjects.keys.update,
        { actor: actorOf(manager), id: target.key.id, body: { expires_at: within } },
        apiKeyViewSchema,
      );
      expect(moved.expires_at).toBe(within);
    });

    it('a revoked key cannot be updated; revoking it again is harmless', async () => {
      const key = await h.createKey(admin);
      const first = await h.rpc.call(
        Subjects.keys.revoke,
        { actor: admin, id: key.key.id },
        apiKeyViewSchema,
      );
      const again = await h.rpc.call(
        Subjects.keys.revoke,
        { actor: admin, id: key.key.id },
        apiKeyViewSchema,
      );
      expect(again.revoked_at).toBe(first.revoked_at);
      const err = await rejection(
        h.rpc.call(
          Subjects.keys.update,
          { actor: admin, id: key.key.id, body: { name: 'x' } },
          apiKeyViewSchema,
        ),
      );
      expect(err.code).toBe('conflict');
    });

    it('answers not_found for a key that does not exist', async () => {
      const err = await rejection(
        h.rpc.call(Subjects.keys.get, { actor: admin, id: 'key_0000000000000000000000' }, apiKeyViewSchema),
      );
      expect(err.code).toBe('not_found');
    });
  });

  describe('audit log filters', () => {
    const audit = (actor: Actor, filter: Record<string, string>) =>
      h.rpc.call(Subjects.audit.list, { actor, page: { limit: 100 }, filter }, auditPageSchema);

    it('narrows the log by actor, action, target and time, every filter at once', async () => {
      const org = await h.createAdmin('Audited');
      const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
      await pause();
      const before = new Date().toISOString();
      await pause();
      const manager = await h.createKey(org, { scopes: ['keys:read', 'keys:write'] });
      const a = await h.createKey(actorOf(manager), { expires_in: '30d' });
      const b = await h.createKey(org);
      for (const [actor, id] of [
        [actorOf(manager), a.key.id],
        [org, b.key.id],
      ] as const) {
        await h.rpc.call(Subjects.keys.update, { actor, id, body: { name: 'Renamed' } }, apiKeyViewSchema);
      }
      const line = (e: { action: string; target_id: string }) => `${e.action}:${e.target_id}`;

      const byActor = await audit(org, { actor: manager.key.id });
      expect(byActor.items.map(line).sort()).toEqual(
        [`key.created:${a.key.id}`, `key.updated:${a.key.id}`].sort(),
      );
      const updates = await audit(org, { action: 'key.updated' });
      expect(updates.items.map(line).sort()).toEqual(
        [`key.updated:${a.key.id}`, `key.updated:${b.key.id}`].sort(),
      );
      const onB = await audit(org, { target: b.key.id, action: 'key.updated', actor: org.key_id! });
      expect(onB.items.map(line)).toEqual([`key.updated:${b.key.id}`]);
      const beforeAll = (await audit(org, { to: before })).items.map(line);
      expect(beforeAll).toContain(`key.created:${org.key_id}`);
      expect(beforeAll.filter((l) => l.startsWith('key.updated') || l.includes(a.key.id))).toEqual([]);
      const since = (await audit(org, { from: before })).items.map(line);
      expect(since).toEqual(expect.arrayContaining([`key.updated:${a.key.id}`, `key.updated:${b.key.id}`]));
      expect(since).not.toContain(`key.created:${org.key_id}`);
      expect((await audit(org, { from: new Date(Date.now() + DAY).toISOString() })).items).toEqual([]);
    });

    it("never shows another organization's entries, whatever the filter names", async () => {
      const mine = await h.createAdmin('Audit mine');
      const theirs = await h.createAdmin('Audit theirs');
      const key = await h.createKey(theirs);
      expect((await audit(mine, { target: key.key.id })).items).toEqual([]);
      expect((await audit(mine, { actor: theirs.key_id! })).items).toEqual([]);
    });

    it('refuses a malformed filter', async () => {
      for (const filter of [
        { action: 'DROP TABLE' },
        { target: "key_1' OR 1=1" },
        { from: 'yesterday' },
      ] as Record<string, string>[]) {
        const err = await rejection(audit(admin, filter));
        expect(err.code).toBe('validation_error');
      }
    });
  });

  describe('last use', () => {
    it("follows the usage-service's activity batches forward, never backward", async () => {
      const key = await h.createKey(admin);
      const witness = await h.createKey(admin);
      const publish = async (entries: [string, string][]) => {
        const keys = entries.map(([key_id, last_used_at]) => ({ key_id, last_used_at }));
        h.nc.publish(UsageSubjects.keysUsed, JSON.stringify({ type: 'keys.used', keys }));
        await h.nc.flush();
      };
      const lastUsed = async (id: string) =>
        (await h.rpc.call(Subjects.keys.get, { actor: admin, id }, apiKeyViewSchema)).last_used_at;

      expect(await lastUsed(key.key.id)).toBeNull();
      await publish([[key.key.id, '2026-05-01T10:00:00.000Z']]);
      await waitFor(async () => (await lastUsed(key.key.id)) === '2026-05-01T10:00:00.000Z', {
        message: 'last use',
      });
      // An older time in the same batch as the witness: once the witness moved, the batch was applied.
      await publish([
        [key.key.id, '2026-04-01T10:00:00.000Z'],
        [witness.key.id, '2026-05-03T10:00:00.000Z'],
      ]);
      await waitFor(async () => (await lastUsed(witness.key.id)) !== null, { message: 'the batch to apply' });
      expect(await lastUsed(key.key.id)).toBe('2026-05-01T10:00:00.000Z');
    });
  });

  describe('pagination', () => {
    it('walks every key newest first with an opaque cursor, no repeats, no gaps', async () => {
      const org = await h.createOrg({ name: 'Paged' });
      const actor = actorOf(org.admin_key);
      const created = [org.admin_key.key.id];
      for (let i = 0; i < 6; i++) created.push((await h.createKey(actor, { name: `k${i}` })).key.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.rpc.call(
          Subjects.keys.list,
          { actor, page: cursor ? { limit: 4, cursor } : { limit: 4 } },
          keyPageSchema,
        );
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((k) => k.id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(new Set(seen)).toEqual(new Set(created));
      const { rows } = await h.db.query(
        'SELECT id FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC',
        [actor.org_id],
      );
      expect(seen).toEqual(rows.map((r: { id: string }) => r.id));
    });

    it('filters MCPs by a permission list and by mode', async () => {
      const actor = await h.createAdmin('Filtered');
      const live = await h.createMcp(actor, { mode: 'live' });
      const test = await h.createMcp(actor, { mode: 'test' });
      const list = async (extra: Record<string, unknown>) =>
        (await h.rpc.call(Subjects.mcps.list, { actor, page: {}, ...extra }, mcpPageSchema)).items.map(
          (m) => m.id,
        );
      expect(await list({})).toEqual([test.id, live.id]);
      expect(await list({ only: [live.id] })).toEqual([live.id]);
      expect(await list({ only: [] })).toEqual([]);
      expect(await list({ only: '*', mode: 'test' })).toEqual([test.id]);
    });
  });
});
