import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ALL_SCOPES,
  type Actor,
  type CreatedKey,
  type McpView,
  Subjects,
  apiKeyViewSchema,
  auditPageSchema,
  keyPageSchema,
  mcpViewSchema,
  rotatedKeySchema,
} from '@plexmcp/contracts';
import { type Harness, actorOf, rejection, startHarness } from './support/harness.js';

/**
 * The key-service is the authority, not only the gateway: a NATS caller that names an acting key
 * is held to that key's real, current grant — read from the database, whatever the caller claims.
 */
describe('management RPCs decide on the acting key itself', () => {
  let h: Harness;
  let admin: CreatedKey;
  let adminActor: Actor;
  let mcpA: McpView;
  let mcpB: McpView;
  let narrow: CreatedKey;
  let tester: CreatedKey;

  beforeAll(async () => {
    h = await startHarness('acting');
    admin = (await h.createOrg({ name: 'Acting' })).admin_key;
    adminActor = actorOf(admin);
    mcpA = await h.createMcp(adminActor, { name: 'A' });
    mcpB = await h.createMcp(adminActor, { name: 'B' });
    narrow = await h.createKey(adminActor, {
      permissions: { mcps: [mcpA.id] },
      scopes: ['keys:read', 'keys:write', 'mcps:write'],
      expires_in: '30d',
    });
    tester = await h.createKey(adminActor, { mode: 'test', scopes: [...ALL_SCOPES] });
  });
  afterAll(async () => h.close());

  it('a narrow acting key cannot rotate, revoke or change the admin key', async () => {
    const actor = actorOf(narrow);
    for (const [subject, payload] of [
      [Subjects.keys.rotate, { actor, id: admin.key.id, body: { grace_period: '0' } }],
      [Subjects.keys.revoke, { actor, id: admin.key.id }],
      [Subjects.keys.update, { actor, id: admin.key.id, body: { name: 'taken' } }],
    ] as const) {
      const err = await rejection(h.rpc.call(subject, payload, rotatedKeySchema));
      expect({ subject, code: err.code }).toEqual({ subject, code: 'forbidden' });
    }
  });

  it('a test acting key reaches test keys only, and no live MCP or audit log', async () => {
    const actor = actorOf(tester);
    expect(
      (await rejection(h.rpc.call(Subjects.keys.get, { actor, id: admin.key.id }, apiKeyViewSchema))).code,
    ).toBe('forbidden');
    const page = await h.rpc.call(Subjects.keys.list, { actor, page: { limit: 100 } }, keyPageSchema);
    expect(page.items.map((k) => k.mode)).toEqual(page.items.map(() => 'test'));
    expect(
      (
        await rejection(
          h.rpc.call(Subjects.mcps.update, { actor, id: mcpA.id, body: { name: 'x' } }, mcpViewSchema),
        )
      ).code,
    ).toBe('forbidden');
    expect((await rejection(h.rpc.call(Subjects.mcps.get, { actor, id: mcpA.id }, mcpViewSchema))).code).toBe(
      'forbidden',
    );
    expect(
      (await rejection(h.rpc.call(Subjects.audit.list, { actor, page: { limit: 10 } }, auditPageSchema)))
        .code,
    ).toBe('forbidden');
  });

  it('mcps:write reaches only the MCPs the acting key may use', async () => {
    const actor = actorOf(narrow);
    const moved = await rejection(
      h.rpc.call(
        Subjects.mcps.update,
        { actor, id: mcpB.id, body: { upstream_url: 'https://elsewhere.example.com/mcp' } },
        mcpViewSchema,
      ),
    );
    expect(moved.code).toBe('forbidden');
    expect(
      (await rejection(h.rpc.call(Subjects.mcps.delete, { actor, id: mcpB.id }, mcpViewSchema))).code,
    ).toBe('forbidden');
    const renamed = await h.rpc.call(
      Subjects.mcps.update,
      { actor, id: mcpA.id, body: { name: 'A2' } },
      mcpViewSchema,
    );
    expect(renamed.name).toBe('A2');
  });

  it('an acting key that was revoked, or named in another organization, acts no more', async () => {
    const gone = await h.createKey(adminActor, { scopes: ['keys:write'], expires_in: '30d' });
    await h.rpc.call(Subjects.keys.revoke, { actor: adminActor, id: gone.key.id }, apiKeyViewSchema);
    const err = await rejection(h.createKey(actorOf(gone), { expires_in: '30d' }));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toBe('API key has been revoked');

    // The admin key of this organization, claimed for another one, is no key there.
    const other = (await h.createOrg({ name: 'Elsewhere' })).admin_key;
    const forged: Actor = { ...adminActor, org_id: other.key.organization_id };
    expect((await rejection(h.createKey(forged))).code).toBe('unauthorized');
  });
});
