import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Checks of a package as npm would publish it: what `npm pack` puts in, the manifest a publish
 * writes (`workspace:` ranges resolved), and the tarball installed where only its public
 * dependencies can be found.
 */
export interface PackageManifest {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  exports?: unknown;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The fields whose packages an install of this one installs too. */
export const INSTALLED_DEPENDENCY_FIELDS = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The paths `npm pack --dry-run --json` lists for the package in `dir`, sorted. */
export async function npmPackFiles(dir: string): Promise<string[]> {
  const out = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], dir);
  const [report] = JSON.parse(out) as [{ files: { path: string }[] }];
  return report.files.map((f) => f.path).sort();
}

export interface PackedPackage {
  /** The package.json inside the tarball, as a publish would upload it. */
  manifest: PackageManifest;
  /** A directory outside the repository with the package in node_modules and nothing else. */
  dir: string;
  /** The installed package's own directory. */
  root: string;
  cleanup(): void;
}

/**
 * `pnpm pack`s the package in `dir` (as `pnpm publish` would: `workspace:` ranges resolved) and
 * unpacks it into `node_modules` of a fresh directory outside the repository. Beside it, only the
 * packages its manifest's `dependencies` name (linked to the copies the workspace installed), and
 * `extra` ones (e.g. `@types/node` for a type check) — so a private workspace package it needed
 * but does not ship cannot be found.
 */
export async function installPacked(dir: string, extra: Record<string, string> = {}): Promise<PackedPackage> {
  const scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'plexmcp-packed-')));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const packOut = await run('pnpm', ['pack', '--pack-destination', scratch], dir);
    const tarball = packOut
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack printed no tarball:\n${packOut}`);
    const unpacked = path.join(scratch, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', path.resolve(scratch, tarball), '-C', unpacked], scratch);
    const manifest = JSON.parse(
      readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8'),
    ) as PackageManifest;

    const modules = path.join(scratch, 'node_modules');
    const root = path.join(modules, manifest.name);
    mkdirSync(path.dirname(root), { recursive: true });
    await run('mv', [path.join(unpacked, 'package'), root], scratch);
    const link = (name: string, target: string) => {
      const at = path.join(modules, name);
      mkdirSync(path.dirname(at), { recursive: true });
      symlinkSync(target, at, 'dir');
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      link(name, realpathSync(path.join(dir, 'node_modules', name)));
    }
    for (const [name, target] of Object.entries(extra)) link(name, realpathSync(target));
    return { manifest, dir: scratch, root, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
