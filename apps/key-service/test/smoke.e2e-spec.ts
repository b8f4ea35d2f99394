import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, apiKeyViewSchema, healthReplySchema, resolveMcpReplySchema } from '@plexmcp/contracts';
import { type Harness, actorOf, startHarness } from './support/harness.js';

describe('key-service smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('smoke');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates an org, an MCP and a key, validates, resolves and revokes', async () => {
    const org = await h.createOrg();
    expect(org.admin_key.secret).toMatch(/^pk_live_/);
    const admin = actorOf(org.admin_key);
    const mcp = await h.createMcp(admin, { upstream_headers: { 'X-Api-Key': 'upstream-secret' } });
    expect(mcp.upstream_header_names).toEqual(['X-Api-Key']);
    const key = await h.createKey(admin, { permissions: { mcps: [mcp.id] } });
    const reply = await h.validate(key.secret);
    expect(reply.status).toBe('active');
    expect(reply.policy?.permissions).toEqual({ mcps: [mcp.id] });
    const route = await h.rpc.call(Subjects.mcps.resolve, { id: mcp.id }, resolveMcpReplySchema);
    expect(route.route?.upstream_headers).toEqual({ 'X-Api-Key': 'upstream-secret' });
    const revoked = await h.rpc.call(
      Subjects.keys.revoke,
      { actor: admin, id: key.key.id },
      apiKeyViewSchema,
    );
    expect(revoked.status).toBe('revoked');
    expect((await h.validate(key.secret)).status).toBe('revoked');
    const health = await h.rpc.call(Subjects.keys.health, {}, healthReplySchema);
    expect(health).toMatchObject({ status: 'ok', checks: { database: true, nats: true } });
  });
});
