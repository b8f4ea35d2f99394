import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthenticationError, PlexMCP } from '@plexmcp/sdk';
import { type System, startSystem } from '@plexmcp/test-harness';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import { SDKS, expectSuccess, goEnv, run } from './support/processes.js';

/**
 * The TypeScript SDK on the key controls and per-tool permissions, against the real system:
 * metadata, tags and their list filters, disable/enable, the organization's alert thresholds, and
 * an MCP client (from `mcps.connect`) of a key limited to some tools. Then the Python and Go SDKs'
 * own live suites of the key controls, each on an organization of its own.
 */
describe('TypeScript SDK: key controls and tool permissions', () => {
  let system: System;
  let upstream: UpstreamMcp;
  let admin: PlexMCP;
  let baseUrl: string;

  beforeAll(async () => {
    [system, upstream] = await Promise.all([
      startSystem({ prefix: 'sdk', name: 'controls' }),
      startUpstreamMcp({ tools: ['search', 'delete'] }),
    ]);
    baseUrl = system.gateway.url;
    const org = await system.createOrg('SDK controls');
    admin = new PlexMCP({ apiKey: org.admin_key.secret, baseUrl });
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    await system?.close();
  });

  it('creates keys with metadata and tags, filters the list by them, disables and enables a key', async () => {
    const key = await admin.keys.create({
      name: 'sdk-tagged',
      metadata: { team: 'payments' },
      tags: ['prod'],
      ip_allowlist: ['127.0.0.1/32'],
    });
    expect(key).toMatchObject({
      metadata: { team: 'payments' },
      tags: ['prod'],
      ip_allowlist: ['127.0.0.1/32'],
    });
    const tagged = await admin.keys.list({ tag: 'prod' });
    expect(tagged.data.map((k) => k.id)).toEqual([key.id]);
    const byMeta = await admin.keys.list({ metadata: 'team:payments' });
    expect(byMeta.data.map((k) => k.id)).toEqual([key.id]);

    const client = new PlexMCP({ apiKey: key.secret, baseUrl });
    expect((await client.me()).id).toBe(key.id);
    expect((await admin.keys.disable(key.id)).status).toBe('disabled');
    await expect(client.me()).rejects.toBeInstanceOf(AuthenticationError);
    expect((await admin.keys.enable(key.id)).status).toBe('active');
    expect((await client.me()).id).toBe(key.id);
  });

  it('reads and sets the organization’s alert thresholds', async () => {
    const before = await admin.alerts.thresholds();
    expect(before.overrides).toEqual({});
    const after = await admin.alerts.setThresholds({ request_min_per_minute: 500 });
    expect(after.thresholds.request_min_per_minute).toBe(500);
    expect(after.overrides).toEqual({ request_min_per_minute: 500 });
  });

  it('an MCP client of a key limited to some tools sees and calls only those', async () => {
    const mcp = await admin.mcps.create({ name: 'tools', mode: 'live', upstream_url: upstream.url });
    const key = await admin.keys.create({
      name: 'search-only',
      permissions: { mcps: [mcp.id], tools: { [mcp.id]: ['search'] } },
    });
    const client = await new PlexMCP({ apiKey: key.secret, baseUrl }).mcps.connect(mcp.id);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
      await expect(client.callTool({ name: 'delete', arguments: {} })).rejects.toThrow(
        'API key does not have permission for this tool',
      );
      expect(upstream.called).not.toContain('delete');
    } finally {
      await client.close();
    }
  });

  const liveEnv = async (name: string) => ({
    ...process.env,
    PLEXMCP_E2E: '1',
    PLEXMCP_BASE_URL: baseUrl,
    PLEXMCP_API_KEY: (await system.createOrg(name)).admin_key.secret,
  });

  it('Python SDK: labels, list filters, disable → refused → enable, thresholds round trip', async () => {
    const result = await run(
      'python3',
      ['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_live_key_controls.py', '-v'],
      path.join(SDKS, 'python'),
      { ...(await liveEnv('SDK controls Python')), PYTHONDONTWRITEBYTECODE: '1' },
    );
    expectSuccess('python3 -m unittest test_live_key_controls', result);
    expect(result.output).not.toMatch(/skipped/);
    expect(result.output.match(/\) \.\.\. ok$/gm)).toHaveLength(2);
  }, 120_000);

  it('Go SDK: labels, list filters, disable → refused → enable, thresholds round trip', async () => {
    const result = await run(
      'go',
      ['test', '-count=1', '-v', '-run', '^TestKeyControlsLive', '.'],
      path.join(SDKS, 'go'),
      goEnv(await liveEnv('SDK controls Go')),
    );
    expectSuccess('go test -run TestKeyControlsLive', result);
    expect(result.output).not.toMatch(/--- SKIP/);
    expect(result.output.match(/^--- PASS: TestKeyControlsLive\w+/gm)).toHaveLength(2);
  }, 300_000);
});
