import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Actor,
  type DecisionTarget,
  type McpRoute,
  Subjects,
  decide,
  generateApiKey,
  hashApiKey,
  organizationViewSchema,
  resolveMcpReplySchema,
  apiKeyViewSchema,
  mcpPageSchema,
  mcpViewSchema,
} from '@plexmcp/contracts';
import { type Harness, actorOf, rejection, startHarness } from './support/harness.js';

/**
 * Every 401/403 cause of the public authentication document, decided the way the gateway does:
 * `keys.validate` (and `mcps.resolve`) over NATS, then the shared `decide()`.
 */
describe('authorization decisions: keys.validate + decide()', () => {
  let h: Harness;
  let admin: Actor;
  let liveMcp: McpRoute;
  let testMcp: McpRoute;

  const resolve = async (id: string): Promise<McpRoute> => {
    const { route } = await h.rpc.call(Subjects.mcps.resolve, { id }, resolveMcpReplySchema);
    if (!route) throw new Error(`MCP ${id} did not resolve`);
    return route;
  };
  const decideFor = async (
    secret: string,
    target: DecisionTarget,
    clientIp: string | null = '198.51.100.4',
  ) => {
    const { status, policy } = await h.validate(secret);
    return decide({ status, policy, target, clientIp, now: Date.now() });
  };
  const onMcp = (mcp: McpRoute): DecisionTarget => ({
    kind: 'mcp',
    mcp: { id: mcp.id, org_id: mcp.org_id, mode: mcp.mode },
  });

  beforeAll(async () => {
    h = await startHarness('authz');
    const org = await h.createOrg({ name: 'Authz' });
    admin = actorOf(org.admin_key);
    liveMcp = await resolve((await h.createMcp(admin, { name: 'Live', mode: 'live' })).id);
    testMcp = await resolve((await h.createMcp(admin, { name: 'Sandbox', mode: 'test' })).id);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('unknown key: a well-formed key that was never issued is 401', async () => {
    const reply = await h.validate(generateApiKey('live'));
    expect(reply).toEqual({ status: 'unknown', policy: null });
    expect(await decideFor(generateApiKey('live'), { kind: 'authenticated' })).toMatchObject({
      allow: false,
      status: 401,
      reason: 'unknown_key',
    });
  });

  it('an active key with the MCP in its list is allowed, and the policy carries what the gateway caches', async () => {
    const key = await h.createKey(admin, {
      permissions: { mcps: [liveMcp.id] },
      scopes: ['keys:read'],
      rate_limit: { requests_per_second: 5, burst: 10 },
      usage_limit: { requests: 1000, period: 'day' },
    });
    const reply = await h.validate(key.secret);
    expect(reply.status).toBe('active');
    expect(reply.policy).toMatchObject({
      key_id: key.key.id,
      org_id: admin.org_id,
      mode: 'live',
      permissions: { mcps: [liveMcp.id] },
      scopes: ['keys:read'],
      rate_limit: { requests_per_second: 5, burst: 10 },
      usage_limit: { requests: 1000, period: 'day' },
      expires_at: key.key.expires_at,
      ip_allowlist: null,
    });
    expect(await decideFor(key.secret, onMcp(liveMcp))).toEqual({ allow: true });
    expect(await decideFor(key.secret, { kind: 'scope', scope: 'keys:read' })).toEqual({ allow: true });
    expect(await decideFor(key.secret, { kind: 'scope', scope: 'keys:write' })).toMatchObject({
      status: 403,
      reason: 'missing_scope',
    });
  });

  it('revoked key is 401', async () => {
    const key = await h.createKey(admin);
    await h.rpc.call(Subjects.keys.revoke, { actor: admin, id: key.key.id }, apiKeyViewSchema);
    expect((await h.validate(key.secret)).status).toBe('revoked');
    expect(await decideFor(key.secret, onMcp(liveMcp))).toMatchObject({
      allow: false,
      status: 401,
      reason: 'revoked',
    });
  });

  it('expired key is 401, even before the sweeper recorded it', async () => {
    const key = await h.createKey(admin, { expires_in: '30d' });
    await h.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      key.key.id,
    ]);
    expect((await h.validate(key.secret)).status).toBe('expired');
    expect(await decideFor(key.secret, onMcp(liveMcp))).toMatchObject({
      allow: false,
      status: 401,
      reason: 'expired',
    });
  });

  it('test key on a live MCP is 403; on a test MCP it passes', async () => {
    const key = await h.createKey(admin, { mode: 'test' });
    expect(key.secret).toMatch(/^pk_test_/);
    expect(await decideFor(key.secret, onMcp(liveMcp))).toMatchObject({
      allow: false,
      status: 403,
      reason: 'test_key_on_live_mcp',
    });
    expect(await decideFor(key.secret, onMcp(testMcp))).toEqual({ allow: true });
  });

  it('MCP not in the key list is 403', async () => {
    const key = await h.createKey(admin, { permissions: { mcps: [testMcp.id] } });
    expect(await decideFor(key.secret, onMcp(liveMcp))).toMatchObject({
      allow: false,
      status: 403,
      reason: 'mcp_not_permitted',
    });
  });

  it('mcps "*" reaches MCPs created after the key', async () => {
    const key = await h.createKey(admin, { permissions: { mcps: '*' } });
    const later = await resolve((await h.createMcp(admin, { name: 'Created later' })).id);
    expect(await decideFor(key.secret, onMcp(later))).toEqual({ allow: true });
  });

  it('suspended organization is 403 for every key, and reactivation restores access', async () => {
    const org = await h.createOrg({ name: 'Suspended Co' });
    const other = actorOf(org.admin_key);
    const mcp = await resolve((await h.createMcp(other)).id);
    expect((await h.validate(org.admin_key.secret)).status).toBe('active');
    await h.rpc.call(
      Subjects.orgs.update,
      { id: other.org_id, body: { status: 'suspended' } },
      organizationViewSchema,
    );
    const after = await h.validate(org.admin_key.secret);
    expect(after.status).toBe('org_suspended');
    expect(await decideFor(org.admin_key.secret, onMcp(mcp))).toMatchObject({
      allow: false,
      status: 403,
      reason: 'org_suspended',
    });
    await h.rpc.call(
      Subjects.orgs.update,
      { id: other.org_id, body: { status: 'active' } },
      organizationViewSchema,
    );
    expect(await decideFor(org.admin_key.secret, onMcp(mcp))).toEqual({ allow: true });
  });

  it('client IP outside the organization allowlist is 403', async () => {
    const org = await h.createOrg({ name: 'Allowlisted', ip_allowlist: ['10.0.0.0/8', '2001:db8::/32'] });
    // The acting key is held to the allowlist too, with the caller's address from the actor.
    const outside = await rejection(h.createMcp(actorOf(org.admin_key, '198.51.100.4')));
    expect(outside.code).toBe('forbidden');
    const mcp = await resolve((await h.createMcp(actorOf(org.admin_key, '10.0.0.1'))).id);
    const reply = await h.validate(org.admin_key.secret);
    expect(reply.policy?.ip_allowlist).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(await decideFor(org.admin_key.secret, onMcp(mcp), '10.1.2.3')).toEqual({ allow: true });
    expect(await decideFor(org.admin_key.secret, onMcp(mcp), '2001:db8::1')).toEqual({ allow: true });
    expect(await decideFor(org.admin_key.secret, onMcp(mcp), '198.51.100.4')).toMatchObject({
      allow: false,
      status: 403,
      reason: 'ip_not_allowed',
    });
  });

  it("another organization's MCP does not exist for the key", async () => {
    const other = await h.createOrg({ name: 'Elsewhere' });
    const foreign = await resolve((await h.createMcp(actorOf(other.admin_key))).id);
    const key = await h.createKey(admin, { permissions: { mcps: '*' } });
    expect(await decideFor(key.secret, onMcp(foreign))).toMatchObject({ allow: false, status: 404 });
  });

  it('mcps.resolve answers null for an MCP that does not exist', async () => {
    const { route } = await h.rpc.call(
      Subjects.mcps.resolve,
      { id: 'mcp_doesnotexist00' },
      resolveMcpReplySchema,
    );
    expect(route).toBeNull();
  });

  it('upstream header values reach gateways through mcps.resolve only, never through views', async () => {
    const created = await h.createMcp(admin, {
      upstream_headers: { Authorization: 'Bearer upstream-token-123' },
    });
    const viewed = await h.rpc.call(Subjects.mcps.get, { actor: admin, id: created.id }, mcpViewSchema);
    const listed = await h.rpc.call(
      Subjects.mcps.list,
      { actor: admin, page: { limit: 100 } },
      mcpPageSchema,
    );
    for (const shown of [created, viewed, listed])
      expect(JSON.stringify(shown)).not.toContain('upstream-token-123');
    expect(viewed.upstream_header_names).toEqual(['Authorization']);
    expect((await resolve(created.id)).upstream_headers).toEqual({
      Authorization: 'Bearer upstream-token-123',
    });
  });

  it('the secret is never stored: only its SHA-256, a display prefix and the last 4 characters', async () => {
    const key = await h.createKey(admin);
    const { rows } = await h.db.query(`SELECT * FROM api_keys WHERE id = $1`, [key.key.id]);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(key.secret);
    expect(stored).not.toContain(key.secret.slice(12, 40));
    expect(rows[0]).toMatchObject({
      key_hash: hashApiKey(key.secret),
      prefix: key.secret.slice(0, 12),
      last4: key.secret.slice(-4),
    });
  });
});
