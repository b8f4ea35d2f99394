import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Actor,
  type CreatedKey,
  type McpView,
  Subjects,
  apiKeyViewSchema,
  auditPageSchema,
  keyPageSchema,
  mcpPageSchema,
  mcpViewSchema,
  rotatedKeySchema,
} from '@plexmcp/contracts';
import { type Harness, actorOf, rejection, startHarness } from './support/harness.js';

/** A management call is confined to the acting key's organization: other orgs' things do not exist. */
describe('organization isolation', () => {
  let h: Harness;
  let adminA: Actor;
  let adminB: Actor;
  let keyB: CreatedKey;
  let mcpB: McpView;

  beforeAll(async () => {
    h = await startHarness('isolation');
    adminA = await h.createAdmin('Org A');
    const orgB = await h.createOrg({ name: 'Org B' });
    adminB = actorOf(orgB.admin_key);
    keyB = await h.createKey(adminB, { name: 'B worker' });
    mcpB = await h.createMcp(adminB, { name: 'B tools' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("org A cannot get, update, revoke or rotate org B's key: not_found, and nothing changes", async () => {
    const calls = [
      h.rpc.call(Subjects.keys.get, { actor: adminA, id: keyB.key.id }, apiKeyViewSchema),
      h.rpc.call(
        Subjects.keys.update,
        { actor: adminA, id: keyB.key.id, body: { name: 'pwned' } },
        apiKeyViewSchema,
      ),
      h.rpc.call(Subjects.keys.revoke, { actor: adminA, id: keyB.key.id }, apiKeyViewSchema),
      h.rpc.call(Subjects.keys.rotate, { actor: adminA, id: keyB.key.id, body: {} }, rotatedKeySchema),
    ];
    for (const call of calls) expect((await rejection(call)).code).toBe('not_found');
    const own = await h.rpc.call(Subjects.keys.get, { actor: adminB, id: keyB.key.id }, apiKeyViewSchema);
    expect(own).toMatchObject({ name: 'B worker', status: 'active', rotated_to: null });
    expect((await h.validate(keyB.secret)).status).toBe('active');
  });

  it("org A cannot get, update or delete org B's MCP", async () => {
    const calls = [
      h.rpc.call(Subjects.mcps.get, { actor: adminA, id: mcpB.id }, mcpViewSchema),
      h.rpc.call(
        Subjects.mcps.update,
        { actor: adminA, id: mcpB.id, body: { name: 'pwned' } },
        mcpViewSchema,
      ),
      h.rpc.call(Subjects.mcps.delete, { actor: adminA, id: mcpB.id }, mcpViewSchema),
    ];
    for (const call of calls) expect((await rejection(call)).code).toBe('not_found');
    expect(await h.rpc.call(Subjects.mcps.get, { actor: adminB, id: mcpB.id }, mcpViewSchema)).toMatchObject({
      name: 'B tools',
    });
  });

  it("lists show only the caller's own keys, MCPs and audit entries", async () => {
    const keys = await h.rpc.call(Subjects.keys.list, { actor: adminA, page: { limit: 100 } }, keyPageSchema);
    const mcps = await h.rpc.call(Subjects.mcps.list, { actor: adminA, page: { limit: 100 } }, mcpPageSchema);
    const audit = await h.rpc.call(
      Subjects.audit.list,
      { actor: adminA, page: { limit: 100 } },
      auditPageSchema,
    );
    expect(keys.items.map((k) => k.id)).toEqual([adminA.key_id]);
    expect(mcps.items).toEqual([]);
    expect(audit.items.length).toBeGreaterThan(0);
    expect(audit.items.every((e) => e.organization_id === adminA.org_id)).toBe(true);
  });

  it("org A cannot grant its keys org B's MCP", async () => {
    const err = await rejection(h.createKey(adminA, { permissions: { mcps: [mcpB.id] } }));
    expect(err.code).toBe('validation_error');
    expect(err.details).toEqual([
      { field: 'body.permissions.mcps.0', message: 'no such MCP in this organization' },
    ]);
  });

  it('a key cannot hand out more than it holds', async () => {
    const limited = await h.createKey(adminA, { scopes: ['keys:write'], mode: 'test' });
    const actor = actorOf(limited);
    expect(
      (await rejection(h.createKey(actor, { scopes: ['keys:write', 'mcps:write'], mode: 'test' }))).code,
    ).toBe('forbidden');
    expect((await rejection(h.createKey(actor, { mode: 'live' }))).code).toBe('forbidden');
    // Nor a key that outlives it (it has the default 90 days; a child asking for 90 more is refused).
    expect((await rejection(h.createKey(actor, { scopes: ['keys:write'], mode: 'test' }))).message).toMatch(
      /expires after the calling key/,
    );
    const created = await h.createKey(actor, { scopes: ['keys:write'], mode: 'test', expires_in: '30d' });
    expect(created.key.scopes).toEqual(['keys:write']);
  });
});
