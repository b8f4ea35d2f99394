import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SDKS, expectSuccess, goEnv, run } from './support/processes.js';

/**
 * Runs the Python and Go SDK suites offline (a local HTTP server on 127.0.0.1 and the shared
 * vectors in sdks/testdata). With PLEXMCP_E2E=1, PLEXMCP_BASE_URL and an admin PLEXMCP_API_KEY
 * in the environment, their live tests run too against that running system, and this suite
 * checks that none of them was skipped. (sdk-live.e2e-spec.ts runs the live tests against a
 * system it boots itself.)
 */
const live = process.env.PLEXMCP_E2E === '1';
const SUITE_TIMEOUT_MS = 10 * 60_000;

describe('Python SDK (sdks/python)', () => {
  it(
    'passes its unittest suite',
    async () => {
      const result = await run(
        'python3',
        ['-m', 'unittest', 'discover', '-s', path.join(SDKS, 'python', 'tests'), '-v'],
        path.join(SDKS, 'python'),
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
  const cwd = path.join(SDKS, 'go');

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
