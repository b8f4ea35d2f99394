import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { waitFor } from '@plexmcp/service-kit/testing';
import { type System, startSystem } from '@plexmcp/test-harness';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import { APIUserAbortError, PlexMCP, UsageLimitExceededError } from '../src/index.js';

/**
 * The TypeScript SDK against the real system (gateway, key-service, usage-service, NATS,
 * Postgres) and a real upstream MCP server: MCP calls through the gateway, a call's timeout, and
 * a usage limit that fails at once instead of being retried as a rate limit.
 */
describe('TypeScript SDK against the running system', () => {
  let system: System;
  let upstream: UpstreamMcp;
  let admin: PlexMCP;
  let baseUrl: string;
  let adminKey: string;

  beforeAll(async () => {
    [system, upstream] = await Promise.all([
      startSystem({ prefix: 'sdkts', name: 'live', usageEnv: { DB_POOL_SIZE: '4' } }),
      startUpstreamMcp({ slow: true }),
    ]);
    baseUrl = system.gateway.url;
    const org = await system.createOrg('SDK TypeScript live');
    adminKey = org.admin_key.secret;
    admin = new PlexMCP({ apiKey: adminKey, baseUrl });
  }, 120_000);

  afterAll(async () => {
    await upstream?.close();
    await system?.close();
  });

  /** A key allowed only `mcpId`, and a client of it that counts the HTTP requests it sends. */
  async function scopedClient(mcpId: string, extra: Record<string, unknown> = {}) {
    const key = await admin.keys.create({ name: `ts-${mcpId}`, permissions: { mcps: [mcpId] }, ...extra });
    const sent: string[] = [];
    const client = new PlexMCP({
      apiKey: key.secret,
      baseUrl,
      fetch: (input, init) => {
        sent.push(
          `${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : String(input)).pathname}`,
        );
        return fetch(input, init);
      },
    });
    return { key, client, sent };
  }

  it('calls an MCP tool through the gateway', async () => {
    const mcp = await admin.mcps.create({ name: 'echo', mode: 'live', upstream_url: upstream.url });
    const { client } = await scopedClient(mcp.id);
    const session = await client.mcps.connect(mcp.id, { timeoutMs: 10_000 });
    try {
      const tools = await session.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual(['echo', 'wait']);
      const result = await session.callTool({ name: 'echo', arguments: { text: 'through the gateway' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo: through the gateway' }]);
    } finally {
      await session.close();
    }
  });

  it('times out a slow MCP call at its own timeout, and aborts one with a signal', async () => {
    const mcp = await admin.mcps.create({ name: 'slow', mode: 'live', upstream_url: upstream.url });
    const { client } = await scopedClient(mcp.id);
    const session = await client.mcps.connect(mcp.id);
    try {
      let started = Date.now();
      const timedOut = await session
        .callTool({ name: 'wait', arguments: { ms: 10_000 } }, undefined, { timeout: 500 })
        .catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(McpError);
      expect((timedOut as McpError).code).toBe(McpErrorCode.RequestTimeout);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(Date.now() - started).toBeLessThan(5_000);

      started = Date.now();
      await expect(
        session.callTool({ name: 'wait', arguments: { ms: 10_000 } }, undefined, {
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);

      // The session still works after both.
      const quick = await session.callTool({ name: 'wait', arguments: { ms: 10 } });
      expect(quick.content).toEqual([{ type: 'text', text: 'waited 10 ms' }]);
    } finally {
      await session.close();
    }
  });

  it('bounds a REST call with timeoutMs and a signal', async () => {
    // A signal already aborted: nothing is sent.
    const { client, sent } = await scopedClient(
      (await admin.mcps.create({ name: 'rest', mode: 'live', upstream_url: upstream.url })).id,
    );
    await expect(client.me({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(sent).toEqual([]);
    await expect(client.me({ timeoutMs: 10_000 })).resolves.toMatchObject({ object: 'api_key' });
    expect(sent).toEqual(['GET /v1/me']);
  });

  it('fails at once on usage_limit_exceeded — one request, no retry — while management still works', async () => {
    const mcp = await admin.mcps.create({ name: 'metered', mode: 'live', upstream_url: upstream.url });
    const { key, client, sent } = await scopedClient(mcp.id, { usage_limit: { requests: 3, period: 'day' } });

    // Spend the budget until the usage-service announces the block to the gateway.
    const blocked = await waitFor(
      async () => {
        const session = await client.mcps.connect(mcp.id).catch((e: unknown) => e as Error);
        if (session instanceof UsageLimitExceededError) return session;
        if (session instanceof Error) throw session;
        await session.close();
        return null;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'the key blocked by its usage limit' },
    );
    expect(blocked).toMatchObject({ status: 429, code: 'usage_limit_exceeded' });
    expect(blocked.retryAfter).toBeGreaterThan(60);

    // Blocked: the next MCP call fails at once, after exactly one request.
    sent.length = 0;
    const started = Date.now();
    const again = await client.mcps.connect(mcp.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(UsageLimitExceededError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sent).toEqual([`POST /v1/mcps/${mcp.id}/mcp`]);

    // Management routes are never blocked by a usage limit: the key can still be revoked.
    await expect(admin.keys.revoke(key.id)).resolves.toMatchObject({ status: 'revoked' });
  }, 60_000);
});
