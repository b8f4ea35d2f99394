import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/**
 * Runs the Python and Go SDK suites. Offline by default (a local HTTP server on 127.0.0.1 and the
 * shared vectors in sdks/testdata). With PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin
 * PLEXMCP_API_KEY, their live tests run too against the running system, and this suite checks
 * that none of them was skipped.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sdks = path.join(repo, 'sdks');
const live = process.env.PLEXMCP_E2E === '1';
const SUITE_TIMEOUT_MS = 10 * 60_000;

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, output: `${output}\n${command}: ${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Fails with the whole output, so a broken SDK test is readable from the Jest report. */
function expectSuccess(label: string, result: Run): void {
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
function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    GOPROXY: process.env.GOPROXY || 'off',
  };
  if (!homeWritable(process.env.HOME)) {
    const base = path.join(tmpdir(), 'plexmcp-go');
    env.GOCACHE = process.env.GOCACHE || path.join(base, 'cache');
    env.GOPATH = process.env.GOPATH || path.join(base, 'path');
    mkdirSync(env.GOCACHE, { recursive: true });
    mkdirSync(env.GOPATH, { recursive: true });
  }
  return env;
}

describe('Python SDK (sdks/python)', () => {
  it(
    'passes its unittest suite',
    async () => {
      const result = await run(
        'python3',
        ['-m', 'unittest', 'discover', '-s', path.join(sdks, 'python', 'tests'), '-v'],
        path.join(sdks, 'python'),
        { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      );
      expectSuccess('python3 -m unittest', result);
      expect(result.output).toMatch(/Ran [1-9]\d* tests?/);
      if (live) expect(result.output).not.toMatch(/test_live\.\w+\.\w+\) \.\.\. skipped/);
    },
    SUITE_TIMEOUT_MS,
  );
});

describe('Go SDK (sdks/go)', () => {
  const cwd = path.join(sdks, 'go');

  it(
    'is vet-clean',
    async () => {
      expectSuccess('go vet ./...', await run('go', ['vet', './...'], cwd, goEnv()));
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'passes go test ./...',
    async () => {
      const args = ['test', '-count=1', ...(live ? ['-v'] : []), './...'];
      const result = await run('go', args, cwd, goEnv());
      expectSuccess('go test ./...', result);
      expect(result.output).toMatch(/^ok\s+github\.com\/plexmcp\/plexmcp-go\s/m);
      expect(result.output).toMatch(/^ok\s+github\.com\/plexmcp\/plexmcp-go\/examples\/quickstart\s/m);
      if (live) expect(result.output).not.toMatch(/--- SKIP: TestLive/);
    },
    SUITE_TIMEOUT_MS,
  );
});
