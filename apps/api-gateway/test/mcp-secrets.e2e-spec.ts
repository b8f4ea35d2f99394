import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { IdPrefix, newId } from '@plexmcp/contracts';
import { isEncrypted } from '@plexmcp/service-kit';
import { testDatabaseUrl } from '@plexmcp/service-kit/testing';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import pg from 'pg';
import { actorOf, gatewaySuite } from './support/world.js';

/**
 * An MCP whose upstream headers the previous version stored in clear: once the key-service has
 * restarted they are encrypted in Postgres, and the gateway still adds them to proxied requests.
 */
describe('MCP upstream headers stored in clear before encryption', () => {
  const s = gatewaySuite('secrets');
  let upstream: UpstreamMcp;
  let db: pg.Client;

  beforeAll(async () => {
    upstream = await startUpstreamMcp();
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    await db.query(`SET search_path TO "${s.world.keyService!.config.KEY_SERVICE_DB_SCHEMA}"`);
  });
  afterAll(async () => {
    await db?.end();
    await upstream?.close();
  });

  it('are encrypted when the key-service restarts and still reach the upstream', async () => {
    const mcpId = newId(IdPrefix.Mcp);
    await db.query(
      `INSERT INTO mcps (id, org_id, name, mode, upstream_url, upstream_headers)
       VALUES ($1, $2, 'Legacy', 'live', $3, $4)`,
      [mcpId, s.admin.key.organization_id, upstream.url, { 'X-Upstream-Token': 'legacy-plaintext-token' }],
    );
    await s.world.stopKeyService();
    await s.world.startKeyService();

    const { rows } = await db.query<{ h: Record<string, string> }>(
      'SELECT upstream_headers AS h FROM mcps WHERE id = $1',
      [mcpId],
    );
    expect(isEncrypted(rows[0]!.h['X-Upstream-Token']!)).toBe(true);
    expect(JSON.stringify(rows[0]!.h)).not.toContain('legacy-plaintext-token');

    const key = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [mcpId] } });
    const transport = new StreamableHTTPClientTransport(new URL(`${s.gateway.url}/v1/mcps/${mcpId}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key.secret}` } },
    });
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'still there' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: still there' }]);
    await transport.terminateSession();
    await client.close();
    expect(upstream.seen.some((h) => h['x-upstream-token'] === 'legacy-plaintext-token')).toBe(true);
  });
});
