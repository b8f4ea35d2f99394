import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SDKS = path.join(REPO, 'sdks');

export interface Run {
  code: number | null;
  stdout: string;
  /** stdout and stderr interleaved, for failure reports. */
  output: string;
}

/** Runs a command to completion without a shell; never rejects (a spawn error is a failed run). */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) =>
      resolve({ code: null, stdout, output: `${output}\n${command}: ${error.message}` }),
    );
    child.on('close', (code) => resolve({ code, stdout, output }));
  });
}

/** Fails with the whole output, so a broken SDK test is readable from the Jest report. */
export function expectSuccess(label: string, result: Run): void {
  if (result.code !== 0) {
    throw new Error(`${label} exited with ${String(result.code)}:\n${result.output}`);
  }
  expect(result.code).toBe(0);
}

/** Whether Go can write its default caches under the home directory (a real write probe). */
function homeWritable(home: string | undefined): boolean {
  if (!home) return false;
  try {
    rmdirSync(mkdtempSync(path.join(home, '.plexmcp-probe-')));
    return true;
  } catch {
    return false;
  }
}

/** Go reproducibly offline: local toolchain, no proxy, caches somewhere writable. */
export function goEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    GOPROXY: base.GOPROXY || 'off',
  };
  if (!homeWritable(base.HOME)) {
    const dir = path.join(tmpdir(), 'plexmcp-go');
    env.GOCACHE = base.GOCACHE || path.join(dir, 'cache');
    env.GOPATH = base.GOPATH || path.join(dir, 'path');
    mkdirSync(env.GOCACHE, { recursive: true });
    mkdirSync(env.GOPATH, { recursive: true });
  }
  return env;
}
