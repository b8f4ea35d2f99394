import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Actor, Subjects, mcpViewSchema } from '@plexmcp/contracts';
import { type Harness, rejection, startHarness } from './support/harness.js';

/** Loopback, private and metadata forms of upstream URLs, as an attacker would write them. */
const LOOPBACK_URLS = [
  'http://127.0.0.1:8080/mcp',
  'http://127.1/mcp',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://0177.0.0.1/',
  'http://[::1]/',
  'http://[::127.0.0.1]/',
  'http://[::7f00:1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[64:ff9b::127.0.0.1]/',
  'http://localhost/',
  'http://LOCALHOST:8080/',
];
const PRIVATE_URLS = ['http://10.0.0.1/', 'https://192.168.1.1/', 'http://[fd12::1]/', 'http://100.64.0.1/'];
const METADATA_URLS = [
  'http://169.254.169.254/latest/meta-data',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://[::a9fe:a9fe]/',
  'http://0xa9fea9fe/',
  'http://[fd00:ec2::254]/',
  'http://[fe80::1]/',
  'http://0.0.0.0/',
];

/**
 * The key-service is where upstream URLs are registered, so it refuses the ones that lead into
 * private networks for every caller, the gateway and plain NATS alike.
 */
describe('MCP upstream URLs (key-service over NATS)', () => {
  let closed: Harness;
  let open: Harness;
  let closedAdmin: Actor;
  let openAdmin: Actor;

  beforeAll(async () => {
    closed = await startHarness('upstream_closed', { mcpUpstreamAllowedNetworks: [] });
    open = await startHarness('upstream_open');
    closedAdmin = await closed.createAdmin('Closed');
    openAdmin = await open.createAdmin('Open');
  });
  afterAll(async () => {
    await closed?.close();
    await open?.close();
  });

  const countMcps = async (h: Harness) =>
    Number((await h.db.query<{ count: string }>('SELECT count(*) FROM mcps')).rows[0]!.count);

  it('refuses loopback and private upstreams without MCP_UPSTREAM_ALLOWED_NETWORKS, naming it', async () => {
    const before = await countMcps(closed);
    for (const url of [...LOOPBACK_URLS, ...PRIVATE_URLS]) {
      const err = await rejection(
        closed.createMcp(closedAdmin, { upstream_url: url }),
        `${url} was accepted`,
      );
      expect([url, err.code]).toEqual([url, 'validation_error']);
      expect(err.message).toBe(
        'upstream_url resolves to a private or loopback address; allow it with MCP_UPSTREAM_ALLOWED_NETWORKS',
      );
      expect(err.details).toEqual([{ field: 'upstream_url', message: err.message }]);
    }
    expect(await countMcps(closed)).toBe(before);
  });

  it('refuses metadata and link-local upstreams always, allowlist or not', async () => {
    for (const [h, admin] of [
      [closed, closedAdmin],
      [open, openAdmin],
    ] as const) {
      for (const url of METADATA_URLS) {
        const err = await rejection(h.createMcp(admin, { upstream_url: url }), `${url} was accepted`);
        expect([url, err.code]).toEqual([url, 'validation_error']);
        expect(err.message).toContain('MCP_UPSTREAM_ALLOWED_NETWORKS cannot allow');
      }
    }
  });

  it('accepts loopback upstreams inside MCP_UPSTREAM_ALLOWED_NETWORKS, and public ones anywhere', async () => {
    for (const url of LOOPBACK_URLS) {
      const mcp = await open.createMcp(openAdmin, { upstream_url: url });
      expect(mcp.upstream_url).toBe(url);
    }
    expect((await closed.createMcp(closedAdmin, { upstream_url: 'https://8.8.8.8/mcp' })).id).toMatch(
      /^mcp_/,
    );
    // A name that does not resolve here is left to the gateway, which checks each connection.
    expect((await closed.createMcp(closedAdmin, { upstream_url: 'https://mcp.invalid/mcp' })).id).toMatch(
      /^mcp_/,
    );
  });

  it('refuses an update that points an existing MCP at a private address, and keeps the old one', async () => {
    const mcp = await closed.createMcp(closedAdmin, { upstream_url: 'https://8.8.4.4/mcp' });
    for (const url of ['http://127.0.0.1:3000/metrics', 'http://169.254.169.254/']) {
      const err = await rejection(
        closed.rpc.call(
          Subjects.mcps.update,
          { actor: closedAdmin, id: mcp.id, body: { upstream_url: url } },
          mcpViewSchema,
        ),
      );
      expect(err.code).toBe('validation_error');
      expect(err.message).toContain('MCP_UPSTREAM_ALLOWED_NETWORKS');
    }
    const current = await closed.rpc.call(
      Subjects.mcps.get,
      { actor: closedAdmin, id: mcp.id },
      mcpViewSchema,
    );
    expect(current.upstream_url).toBe('https://8.8.4.4/mcp');
  });
});
