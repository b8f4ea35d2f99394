import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  INSTALLED_DEPENDENCY_FIELDS,
  type PackedPackage,
  installPacked,
  npmPackFiles,
} from '@plexmcp/service-kit/testing';

const PACKAGE = path.resolve(import.meta.dirname, '..');
const REPO = path.resolve(PACKAGE, '../..');

function node(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** @plexmcp/sdk as npm would publish it (`pnpm build` first: it packs dist/). */
describe('the published @plexmcp/sdk', () => {
  let packed: PackedPackage;

  beforeAll(async () => {
    packed = await installPacked(PACKAGE, { '@types/node': path.join(REPO, 'node_modules/@types/node') });
  }, 120_000);
  afterAll(() => packed?.cleanup());

  it('ships the bundle, its types, LICENSE and README only (npm pack --dry-run)', async () => {
    expect(await npmPackFiles(PACKAGE)).toEqual([
      'LICENSE',
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'package.json',
    ]);
  }, 60_000);

  it("carries the repository's MIT LICENSE, byte for byte", () => {
    expect(readFileSync(path.join(packed.root, 'LICENSE'), 'utf8')).toBe(
      readFileSync(path.join(REPO, 'LICENSE'), 'utf8'),
    );
    expect(packed.manifest.license).toBe('MIT');
  });

  it('depends on public packages only: no workspace: range, no private @plexmcp package', () => {
    const manifest = packed.manifest;
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    for (const field of INSTALLED_DEPENDENCY_FIELDS) {
      expect(Object.keys(manifest[field] ?? {}).filter((name) => name.startsWith('@plexmcp/'))).toEqual([]);
    }
    expect(manifest.dependencies).toEqual({
      '@modelcontextprotocol/sdk': expect.any(String),
      zod: expect.any(String),
    });
    expect(manifest.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    });
    expect(manifest.types).toBe('./dist/index.d.ts');
  });

  it('imports and works where only its public dependencies are installed', async () => {
    const script = `
      import * as sdk from '@plexmcp/sdk';
      let refused = '';
      try { new sdk.PlexMCP({ apiKey: 'pk_live_not-a-key', baseUrl: 'http://127.0.0.1:9' }); }
      catch (e) { refused = e.constructor.name; }
      const body = '{"type":"webhook.test"}';
      const secret = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sdk.signWebhook(secret, 'msg_1', timestamp, body),
      };
      console.log(JSON.stringify({
        exports: Object.keys(sdk).sort(),
        refused,
        verified: sdk.verifyWebhook(body, headers, secret).type,
      }));`;
    const out = await node(['--input-type=module', '-e', script], packed.dir);
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout) as { exports: string[]; refused: string; verified: string };
    expect(result.exports).toEqual(
      expect.arrayContaining(['PlexMCP', 'UsageLimitExceededError', 'APIUserAbortError', 'verifyWebhook']),
    );
    // The key check is contracts' parseApiKey, bundled in.
    expect(result.refused).toBe('ConfigurationError');
    expect(result.verified).toBe('webhook.test');
  }, 60_000);

  it('type-checks a consumer against its bundled declarations alone', async () => {
    writeFileSync(
      path.join(packed.dir, 'consumer.ts'),
      `import { PlexMCP, UsageLimitExceededError, type ApiKey, type CallOptions } from '@plexmcp/sdk';
       const client = new PlexMCP({ apiKey: process.env.PLEXMCP_API_KEY, maxRetryAfterMs: 5_000 });
       const options: CallOptions = { signal: AbortSignal.timeout(1_000), timeoutMs: 500 };
       export async function names(): Promise<string[]> {
         const page = await client.keys.list({ limit: 5 }, options);
         return page.data.map((key: ApiKey) => key.name);
       }
       export const isUsageLimit = (e: unknown): boolean => e instanceof UsageLimitExceededError;
       // @ts-expect-error: a key's mode is live or test
       export const wrong: ApiKey['mode'] = 'prod';
      `,
    );
    writeFileSync(
      path.join(packed.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          // The MCP SDK's declarations name fetch types of the DOM library.
          lib: ['ES2023', 'DOM'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc');
    const out = await node([tsc, '-p', 'tsconfig.json'], packed.dir);
    expect(out.stdout + out.stderr).toBe('');
    expect(out.code).toBe(0);
  }, 120_000);
});
