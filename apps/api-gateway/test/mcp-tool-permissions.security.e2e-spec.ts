/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { McpView } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import { actorOf, gatewaySuite, http } from './support/world.js';

/**
 * Per-tool permissions through the gateway, driven by the MCP SDK's own client against the MCP
 * SDK's own server: a key with a tool list sees only those tools in `tools/list` and is refused
 * any other `tools/call` with a JSON-RPC error that never reaches the upstream — with an upstream
 * answering SSE and one answering plain JSON.
 */
describe('per-tool permissions on the MCP endpoint', () => {
  const s = gatewaySuite('tools', { usageService: true });
  const TOOLS = ['search', 'fetch', 'delete'];
  let sseUpstream: UpstreamMcp;
  let jsonUpstream: UpstreamMcp;
  let sseMcp: McpView;
  let jsonMcp: McpView;
  let limitedSecret: string;
  let limitedId: string;

  const connect = async (mcp: McpView, key: string) => {
    const transport = new StreamableHTTPClientTransport(new URL(`${s.gateway.url}/v1/mcps/${mcp.id}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    });
    const client = new Client({ name: 'tool-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  };

  beforeAll(async () => {
    sseUpstream = await startUpstreamMcp({ tools: TOOLS });
    jsonUpstream = await startUpstreamMcp({ json: true, tools: TOOLS });
    sseMcp = await s.world.createMcp(actorOf(s.admin), { name: 'Sse', upstream_url: sseUpstream.url });
    jsonMcp = await s.world.createMcp(actorOf(s.admin), { name: 'Json', upstream_url: jsonUpstream.url });
    // Through REST, as a customer configures it.
    const created = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: s.admin.secret,
      body: {
        name: 'search-only',
        permissions: {
          mcps: [sseMcp.id, jsonMcp.id],
          tools: { [sseMcp.id]: ['search', 'echo'], [jsonMcp.id]: ['fetch'] },
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.permissions.tools).toEqual({
      [sseMcp.id]: ['search', 'echo'],
      [jsonMcp.id]: ['fetch'],
    });
    limitedSecret = created.body.data.secret as string;
    limitedId = created.body.data.id as string;
  });
  afterAll(async () => {
    await sseUpstream?.close();
    await jsonUpstream?.close();
  });

  it.each([
    ['SSE', () => sseMcp, ['echo', 'search']],
    ['JSON', () => jsonMcp, ['fetch']],
  ])('tools/list shows only the listed tools (%s upstream)', async (_kind, mcp, expected) => {
    const client = await connect(mcp(), limitedSecret);
    const listed = await client.listTools();
    expect(listed.tools.map((t) => t.name).sort()).toEqual(expected);
    await client.close();

    // A key without a tool list still sees every tool.
    const admin = await connect(mcp(), s.admin.secret);
    expect((await admin.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'delete',
      'echo',
      'fetch',
      'search',
    ]);
    await admin.close();
  });

  it.each([
    ['SSE', () => sseMcp, () => sseUpstream, 'search'],
    ['JSON', () => jsonMcp, () => jsonUpstream, 'fetch'],
  ])(
    'a listed tools/call passes, another is a JSON-RPC error never sent upstream (%s)',
    async (_k, mcp, up, ok) => {
      const client = await connect(mcp(), limitedSecret);
      const result = await client.callTool({ name: ok, arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: `${ok} called` }]);

      const refused = await client.callTool({ name: 'delete', arguments: {} }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(McpError);
      expect((refused as McpError).code).toBe(-32602);
      expect((refused as McpError).message).toContain('API key does not have permission for this tool');
      expect(up().called).toContain(ok);
      expect(up().called).not.toContain('delete');
      await client.close();
    },
  );

  it('refuses a whole batch holding one refused call, and unreadable bodies', async () => {
    const path = `/v1/mcps/${jsonMcp.id}/mcp`;
    const headers = { accept: 'application/json, text/event-stream' };
    const batch = await http(s.gateway.url, path, {
      method: 'POST',
      key: limitedSecret,
      headers,
      body: [
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'fetch', arguments: {} } },
        { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'delete', arguments: {} } },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual([
      { jsonrpc: '2.0', id: 7, error: { code: -32602, message: expect.stringContaining('Batch refused') } },
      {
        jsonrpc: '2.0',
        id: 8,
        error: { code: -32602, message: 'API key does not have permission for this tool' },
      },
    ]);
    const garbage = await http(s.gateway.url, path, {
      method: 'POST',
      key: limitedSecret,
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"',
    });
    expect(garbage.body).toMatchObject({ error: { code: -32700 } });
    expect(jsonUpstream.called).not.toContain('delete');
  });

  it('a key cannot hand out tools it lacks, nor name tools of an MCP it is not permitted', async () => {
    const delegate = await s.world.createKey(actorOf(s.admin), {
      scopes: ['keys:write'],
      permissions: { mcps: [jsonMcp.id], tools: { [jsonMcp.id]: ['fetch'] } },
      expires_in: '90d',
    });
    const wider = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: delegate.secret,
      body: { name: 'wider', permissions: { mcps: [jsonMcp.id] }, expires_in: '30d' },
    });
    expect(wider.status).toBe(403);
    const narrower = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: delegate.secret,
      body: {
        name: 'narrower',
        permissions: { mcps: [jsonMcp.id], tools: { [jsonMcp.id]: [] } },
        expires_in: '30d',
      },
    });
    expect(narrower.status).toBe(201);
    const stray = await http(s.gateway.url, '/v1/keys', {
      method: 'POST',
      key: s.admin.secret,
      body: { name: 'stray', permissions: { mcps: [jsonMcp.id], tools: { [sseMcp.id]: ['search'] } } },
    });
    expect(stray.status).toBe(400);
    expect(stray.body.error.code).toBe('validation_error');
  });

  it('usage breaks down by tool, refused calls counted as denied', async () => {
    // The calls above: one permitted and one refused call per MCP, then a batch refusing 'delete'.
    const usage = await waitFor(
      async () => {
        const res = await http(s.gateway.url, `/v1/keys/${limitedId}/usage?breakdown=tool`, {
          key: s.admin.secret,
        });
        const rows = (res.body.data?.by_tool ?? []) as Array<{
          tool: string;
          mcp_id: string;
          requests: number;
          denied: number;
        }>;
        // Usage arrives in aggregate batches flushed on their own clock: the refused calls can
        // land in different batches, so wait for all of them rather than for the first row.
        const requestsOf = (mcpId: string, tool: string) =>
          rows.find((r) => r.mcp_id === mcpId && r.tool === tool)?.requests ?? 0;
        return requestsOf(jsonMcp.id, 'delete') >= 2 &&
          requestsOf(jsonMcp.id, 'fetch') >= 1 &&
          requestsOf(sseMcp.id, 'delete') >= 1 &&
          requestsOf(sseMcp.id, 'search') >= 1
          ? rows
          : null;
      },
      { timeoutMs: 15_000, message: 'every call above in the per-tool usage' },
    );
    expect(usage).toEqual(
      expect.arrayContaining([
        { mcp_id: sseMcp.id, tool: 'search', requests: 1, denied: 0, errors: 0 },
        { mcp_id: sseMcp.id, tool: 'delete', requests: 1, denied: 1, errors: 0 },
        { mcp_id: jsonMcp.id, tool: 'fetch', requests: 1, denied: 0, errors: 0 },
      ]),
    );
    const jsonDelete = usage.find((r) => r.mcp_id === jsonMcp.id && r.tool === 'delete');
    // The single refused call and the refused batch; the unparsable body named no tool.
    expect(jsonDelete).toMatchObject({ requests: 2, denied: 2 });

    // A key without a tool list: its body streams through unread but for its tool's name.
    const admin = await connect(sseMcp, s.admin.secret);
    await admin.callTool({ name: 'delete', arguments: {} });
    await admin.close();
    const adminUsage = await waitFor(async () => {
      const res = await http(s.gateway.url, `/v1/keys/${s.admin.key.id}/usage?breakdown=tool`, {
        key: s.admin.secret,
      });
      return res.body.data?.by_tool?.length > 0 ? res.body.data.by_tool : null;
    });
    expect(adminUsage).toEqual([{ mcp_id: sseMcp.id, tool: 'delete', requests: 1, denied: 0, errors: 0 }]);
  });
});
