import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  INSTALLED_DEPENDENCY_FIELDS,
  type PackedPackage,
  freePort,
  installPacked,
  npmPackFiles,
} from '@plexmcp/service-kit/testing';

const PACKAGE = path.resolve(import.meta.dirname, '..');
const REPO = path.resolve(PACKAGE, '../..');

/** The installed `plexmcp` bin, run with only `env` (and PATH). */
function plexmcp(
  packed: PackedPackage,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = path.join(packed.root, packed.manifest.bin!.plexmcp!);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: packed.dir, timeout: 60_000, env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** @plexmcp/cli as npm would publish it (`pnpm build` first: it packs dist/). */
describe('the published @plexmcp/cli', () => {
  let packed: PackedPackage;

  beforeAll(async () => {
    packed = await installPacked(PACKAGE);
  }, 120_000);
  afterAll(() => packed?.cleanup());

  it('ships the bundled bin, LICENSE and README only (npm pack --dry-run)', async () => {
    expect(await npmPackFiles(PACKAGE)).toEqual(['LICENSE', 'README.md', 'dist/main.js', 'package.json']);
  }, 60_000);

  it("carries the repository's MIT LICENSE and depends on public packages only", () => {
    expect(readFileSync(path.join(packed.root, 'LICENSE'), 'utf8')).toBe(
      readFileSync(path.join(REPO, 'LICENSE'), 'utf8'),
    );
    const manifest = packed.manifest;
    expect(manifest.license).toBe('MIT');
    expect(manifest.bin).toEqual({ plexmcp: './dist/main.js' });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    for (const field of INSTALLED_DEPENDENCY_FIELDS) {
      expect(Object.keys(manifest[field] ?? {}).filter((name) => name.startsWith('@plexmcp/'))).toEqual([]);
    }
  });

  it('runs where only its public dependencies are installed: version, help, and a clear exit 3', async () => {
    const version = await plexmcp(packed, ['--version']);
    expect(version).toEqual({ code: 0, stdout: `${packed.manifest.version}\n`, stderr: '' });

    const help = await plexmcp(packed, ['keys', 'revoke', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: plexmcp keys revoke [options]');

    // Contracts' schemas are bundled: bad input is refused before anything is sent.
    const invalid = await plexmcp(packed, ['org', 'create', '--name', 'x', '--ip-allowlist', '10.0.0.0/99']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--ip-allowlist');

    // The NATS client is a real dependency: it tries, and says what is wrong.
    const unreachable = await plexmcp(packed, ['org', 'list', '--json'], {
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    });
    expect(unreachable.code).toBe(3);
    expect(JSON.parse(unreachable.stderr)).toMatchObject({ error: { code: 'unavailable' } });
  }, 60_000);
});
