import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  PermissionDeniedError,
  PlexMCP,
  WebhookVerificationError,
  verifyWebhook,
} from '@plexmcp/sdk';
import { waitFor, WebhookReceiver } from '@plexmcp/service-kit/testing';
import { type System, startSystem } from '@plexmcp/test-harness';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import { REPO, SDKS, expectSuccess, goEnv, run } from './support/processes.js';

/**
 * The three SDKs end to end against the real system, booted once in-process: every SDK starts
 * from an organization made by the real `plexmcp org create --json` command line, and the README's
 * quickstarts (cURL, Node, Python, Go) run unchanged against the gateway.
 */
const CLI = path.join(REPO, 'packages/cli/dist/main.js');
const SUITE_TIMEOUT_MS = 5 * 60_000;

interface CliOrg {
  organization: { id: string; name: string };
  admin_key: { id: string; secret: string; expires_at: string };
}

describe('SDKs against the running system', () => {
  let system: System;
  let upstream: UpstreamMcp;
  let receiver: WebhookReceiver;
  let baseUrl: string;
  let scratch: string;

  /** `plexmcp org create --json`, the real command line, against the system's NATS. */
  async function createOrgWithCli(name: string): Promise<CliOrg> {
    const result = await run('node', [CLI, 'org', 'create', '--name', name, '--json'], REPO, {
      ...process.env,
      NATS_URL: system.nats.url,
    });
    expectSuccess('plexmcp org create', result);
    const created = JSON.parse(result.stdout) as CliOrg;
    expect(created.organization.name).toBe(name);
    expect(created.admin_key.secret).toMatch(/^pk_live_/);
    return created;
  }

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'plexmcp-sdk-live-'));
    [system, upstream, receiver] = await Promise.all([
      startSystem({ prefix: 'sdk', name: 'live', usageEnv: { DB_POOL_SIZE: '4' } }),
      startUpstreamMcp(),
      WebhookReceiver.start({ path: '/hooks/plexmcp' }),
    ]);
    baseUrl = system.gateway.url;
  }, 120_000);

  afterAll(async () => {
    await receiver?.stop();
    await upstream?.close();
    await system?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  describe('TypeScript SDK (packages/sdk)', () => {
    let org: CliOrg;
    let admin: PlexMCP;

    beforeAll(async () => {
      org = await createOrgWithCli('SDK TypeScript');
      admin = new PlexMCP({ apiKey: org.admin_key.secret, baseUrl });
    }, 60_000);

    it('authenticates as the admin key the CLI printed', async () => {
      const me = await admin.me();
      // Exactly the fields the SDK's CurrentKey type promises.
      expect(Object.keys(me).sort()).toEqual(
        [
          'id',
          'object',
          'organization_id',
          'mode',
          'prefix',
          'last4',
          'permissions',
          'scopes',
          'rate_limit',
          'usage_limit',
          'expires_at',
        ].sort(),
      );
      expect(me).toMatchObject({
        id: org.admin_key.id,
        object: 'api_key',
        organization_id: org.organization.id,
        mode: 'live',
        permissions: { mcps: '*' },
      });
      expect(org.admin_key.secret.endsWith(me.last4)).toBe(true);
    });

    it('gives a scoped key only its MCP, a typed 403 outside it, tools through the gateway, and a typed 401 once revoked', async () => {
      const allowed = await admin.mcps.create({ name: 'echo', mode: 'live', upstream_url: upstream.url });
      const other = await admin.mcps.create({ name: 'other', mode: 'live', upstream_url: upstream.url });
      const key = await admin.keys.create({
        name: 'ts-scoped',
        permissions: { mcps: [allowed.id] },
        expires_in: '30d',
      });
      expect(key.secret).toMatch(/^pk_live_/);
      expect(key).toMatchObject({ name: 'ts-scoped', permissions: { mcps: [allowed.id] }, status: 'active' });
      const scoped = new PlexMCP({ apiKey: key.secret, baseUrl });

      const listed = await scoped.mcps.list();
      expect(listed.data.map((m) => m.id)).toEqual([allowed.id]);
      expect(listed.nextCursor).toBeNull();

      const forbidden = await scoped.mcps.get(other.id).catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(PermissionDeniedError);
      expect(forbidden).toMatchObject({
        status: 403,
        code: 'forbidden',
        message: 'API key does not have permission for this resource',
      });
      expect((forbidden as PermissionDeniedError).requestId).toBeTruthy();

      const mcp = await scoped.mcps.connect(allowed.id);
      try {
        const tools = await mcp.listTools();
        expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
        const result = await mcp.callTool({ name: 'echo', arguments: { text: 'through the gateway' } });
        expect(result.content).toEqual([{ type: 'text', text: 'echo: through the gateway' }]);
      } finally {
        await mcp.close();
      }
      // The upstream was reached, and never saw the PlexMCP key.
      const seenAuthorization = upstream.seen.map((headers) => headers.authorization);
      expect(seenAuthorization.length).toBeGreaterThan(0);
      expect(seenAuthorization.filter((a) => a?.includes('pk_live_'))).toEqual([]);

      const revoked = await admin.keys.revoke(key.id);
      expect(revoked).toMatchObject({ id: key.id, status: 'revoked' });
      const unauthorized = await scoped.me().catch((e: unknown) => e);
      expect(unauthorized).toBeInstanceOf(AuthenticationError);
      expect(unauthorized).toMatchObject({ status: 401, code: 'unauthorized' });
      expect((unauthorized as AuthenticationError).requestId).toBeTruthy();
      await expect(scoped.mcps.list()).rejects.toBeInstanceOf(AuthenticationError);
    });

    it('rotates a key: the new secret works, the old one is a typed 401', async () => {
      const mcp = await admin.mcps.create({ name: 'rotate', mode: 'live', upstream_url: upstream.url });
      const key = await admin.keys.create({ name: 'ts-rotate', permissions: { mcps: [mcp.id] } });
      const rotated = await admin.keys.rotate(key.id, { grace_period: '0' });
      expect(rotated.id).not.toBe(key.id);
      expect(rotated.secret).not.toBe(key.secret);
      expect(rotated).toMatchObject({ name: 'ts-rotate', permissions: { mcps: [mcp.id] } });
      expect(rotated.previous).toMatchObject({ id: key.id, rotated_to: rotated.id });

      const fresh = new PlexMCP({ apiKey: rotated.secret, baseUrl });
      await expect(fresh.mcps.get(mcp.id)).resolves.toMatchObject({ id: mcp.id, name: 'rotate' });
      await expect(new PlexMCP({ apiKey: key.secret, baseUrl }).me()).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    });

    it('runs the Node and cURL quickstarts unchanged against the gateway', async () => {
      const mcp = await admin.mcps.create({ name: 'quickstart', mode: 'live', upstream_url: upstream.url });
      const env = { ...process.env, PLEXMCP_API_KEY: org.admin_key.secret, PLEXMCP_BASE_URL: baseUrl };

      const node = await run('node', ['examples/quickstart.mjs'], path.join(REPO, 'packages/sdk'), env);
      expectSuccess('node examples/quickstart.mjs', node);
      expect(node.stdout.split('\n')).toContain(`${mcp.id} ${mcp.name}`);

      const curl = await run('sh', [path.join(SDKS, 'curl/quickstart.sh')], REPO, env);
      expectSuccess('sdks/curl/quickstart.sh', curl);
      const body = JSON.parse(curl.stdout) as { success: boolean; data: { id: string; name: string }[] };
      expect(body.success).toBe(true);
      expect(body.data).toContainEqual(expect.objectContaining({ id: mcp.id, name: 'quickstart' }));
    });

    it(
      'verifies one signed webhook delivery identically in TypeScript, Python and Go, and rejects a one-byte tampering in all three',
      async () => {
        const webhook = await admin.webhooks.create({ url: receiver.url });
        expect(webhook.secret).toMatch(/^whsec_/);
        const delivery = await admin.webhooks.test(webhook.id);
        expect(delivery.webhook_id).toBe(webhook.id);

        const got = await waitFor(() => receiver.received.find((r) => r.path === '/hooks/plexmcp'), {
          timeoutMs: 15_000,
        });
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(got.headers)) {
          if (typeof value === 'string') headers[name] = value;
        }
        expect(headers['webhook-id']).toBe(delivery.id);
        expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
        expect(headers['webhook-signature']).toMatch(/^v1,/);

        // One byte changed in the body; one character changed in the signature.
        const at = got.body.indexOf('webhook.test');
        expect(at).toBeGreaterThan(0);
        const tamperedBody = `${got.body.slice(0, at)}W${got.body.slice(at + 1)}`;
        const signature = headers['webhook-signature']!;
        const tamperedSignature = `v1,${signature[3] === 'A' ? 'B' : 'A'}${signature.slice(4)}`;
        const cases = [
          { name: 'delivered', body: got.body, headers },
          { name: 'body-tampered', body: tamperedBody, headers },
          {
            name: 'signature-tampered',
            body: got.body,
            headers: { ...headers, 'webhook-signature': tamperedSignature },
          },
        ];
        const capture = path.join(scratch, 'webhook-capture.json');
        writeFileSync(capture, JSON.stringify({ secret: webhook.secret, cases }));

        // TypeScript, in-process.
        const typescript = cases.map((c) => {
          try {
            return `${c.name} accepted ${verifyWebhook<{ type: string }>(c.body, c.headers, webhook.secret).type}`;
          } catch (error) {
            expect(error).toBeInstanceOf(WebhookVerificationError);
            return `${c.name} rejected`;
          }
        });
        const expected = [
          'delivered accepted webhook.test',
          'body-tampered rejected',
          'signature-tampered rejected',
        ];
        expect(typescript).toEqual(expected);

        // Python and Go, each reading the same capture file.
        const verifiers = path.join(REPO, 'tooling/sdk-tests/verifiers');
        const [python, go] = await Promise.all([
          run('python3', [path.join(verifiers, 'verify_webhook.py'), capture], verifiers, {
            ...process.env,
            PYTHONPATH: path.join(SDKS, 'python'),
            PYTHONDONTWRITEBYTECODE: '1',
          }),
          run('go', ['run', '.', capture], path.join(verifiers, 'go'), goEnv()),
        ]);
        const outcome = (r: typeof python) =>
          r.stdout
            .trim()
            .split('\n')
            .map((line) => line.replace(/:.*$/, ''));
        expectSuccess('python3 verify_webhook.py', python);
        expectSuccess('go run verifiers/go', go);
        expect(outcome(python)).toEqual(expected);
        expect(outcome(go)).toEqual(expected);
      },
      SUITE_TIMEOUT_MS,
    );
  });

  describe('Python SDK (sdks/python)', () => {
    it(
      'passes its live suite (scoped key, typed 401/403, rotation, quickstart, MCP calls, usage limit failing fast, Retry-After cap, timeout) on an organization from the CLI',
      async () => {
        const org = await createOrgWithCli('SDK Python');
        const result = await run(
          'python3',
          ['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_live.py', '-v'],
          path.join(SDKS, 'python'),
          {
            ...process.env,
            PYTHONDONTWRITEBYTECODE: '1',
            PLEXMCP_E2E: '1',
            PLEXMCP_BASE_URL: baseUrl,
            PLEXMCP_API_KEY: org.admin_key.secret,
            PLEXMCP_E2E_UPSTREAM_URL: upstream.url,
          },
        );
        expectSuccess('python3 -m unittest test_live', result);
        expect(result.output).toMatch(/^Ran 7 tests/m);
        expect(result.output).not.toMatch(/skipped/);
        expect(result.output.match(/\) \.\.\. ok$/gm)).toHaveLength(7);
      },
      SUITE_TIMEOUT_MS,
    );
  });

  describe('Go SDK (sdks/go)', () => {
    it(
      'passes its live suite (scoped key, typed 401/403, rotation, quickstart, MCP calls, usage limit failing fast, Retry-After cap, timeout) on an organization from the CLI',
      async () => {
        const org = await createOrgWithCli('SDK Go');
        const result = await run(
          'go',
          ['test', '-count=1', '-v', '-run', '^TestLive', '.'],
          path.join(SDKS, 'go'),
          goEnv({
            ...process.env,
            PLEXMCP_E2E: '1',
            PLEXMCP_BASE_URL: baseUrl,
            PLEXMCP_API_KEY: org.admin_key.secret,
            PLEXMCP_E2E_UPSTREAM_URL: upstream.url,
          }),
        );
        expectSuccess('go test -run TestLive', result);
        expect(result.output).not.toMatch(/--- SKIP/);
        expect(result.output.match(/^--- PASS: TestLive\w+/gm)).toHaveLength(7);
      },
      SUITE_TIMEOUT_MS,
    );
  });
});
