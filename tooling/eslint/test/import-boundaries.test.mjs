// The import boundaries must fail the lint when crossed: apps never import each other, contracts
// import no I/O, the dashboard takes contracts as types only. Each case lints a few lines of code
// as if they were a real file of the area (so the area's rules and type information apply).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfigFile: path.join(import.meta.dirname, '../eslint.config.js'),
});

/** Boundary messages for `code` linted as the existing file `file` (repo-relative). */
async function boundaryMessages(file, code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  assert.equal(result.fatalErrorCount, 0, JSON.stringify(result.messages));
  return result.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const GATEWAY = 'apps/api-gateway/src/main.ts';
const KEY_SERVICE = 'apps/key-service/src/main.ts';
const CONTRACTS = 'packages/contracts/src/grant.ts';
const DASHBOARD = 'apps/dashboard/src/main.tsx';
const SDK = 'packages/sdk/src/client.ts';
const CLI = 'packages/cli/src/run.ts';

test('an app importing another app by package name fails', async () => {
  const messages = await boundaryMessages(
    GATEWAY,
    "import { bootstrap } from '@plexmcp/key-service';\nexport const b = bootstrap;\n",
  );
  assert.equal(messages.length, 1);
  assert.match(messages[0], /apps never import each other \(api-gateway → key-service\)/);
});

test("an app reaching into another app's folder by relative path fails", async () => {
  const messages = await boundaryMessages(
    KEY_SERVICE,
    "import { bootstrap } from '../../usage-service/src/index.js';\nexport const b = bootstrap;\n",
  );
  assert.equal(messages.length, 1);
  assert.match(messages[0], /key-service → usage-service/);
});

test('an app importing packages is fine', async () => {
  const messages = await boundaryMessages(
    KEY_SERVICE,
    "import { Subjects } from '@plexmcp/contracts';\nimport { createLogger } from '@plexmcp/service-kit';\nexport const s = [Subjects, createLogger];\n",
  );
  assert.deepEqual(messages, []);
});

test('contracts importing I/O or a framework fails, zod does not', async () => {
  for (const source of [
    'node:fs',
    'node:net',
    'http',
    'pg',
    'typeorm',
    'undici',
    '@nats-io/transport-node',
    '@nestjs/common',
  ]) {
    const messages = await boundaryMessages(
      CONTRACTS,
      `import * as io from '${source}';\nexport const x = io;\n`,
    );
    assert.equal(messages.length, 1, source);
    assert.match(messages[0], /packages\/contracts imports no I\/O/);
  }
  assert.deepEqual(
    await boundaryMessages(CONTRACTS, "import { z } from 'zod';\nexport const s = z.string();\n"),
    [],
  );
});

test('the dashboard takes contracts as types only', async () => {
  const value = await boundaryMessages(
    DASHBOARD,
    "import { ALL_SCOPES } from '@plexmcp/contracts';\nexport const s = ALL_SCOPES;\n",
  );
  assert.equal(value.length, 1);
  assert.match(value[0], /contracts as types only/);
  assert.deepEqual(
    await boundaryMessages(
      DASHBOARD,
      "import type { Scope } from '@plexmcp/contracts';\nexport const s: Scope[] = [];\n",
    ),
    [],
  );
  assert.deepEqual(
    await boundaryMessages(
      DASHBOARD,
      "import { Scope } from '@plexmcp/contracts/vocabulary';\nexport const s = Scope;\n",
    ),
    [],
  );
  const other = await boundaryMessages(
    DASHBOARD,
    "import { bootstrap } from '@plexmcp/api-gateway';\nexport const b = bootstrap;\n",
  );
  assert.ok(
    other.some((m) => /dashboard → api-gateway/.test(m)),
    other.join('\n'),
  );
});

test('the SDK imports contracts only of the workspace, and no NATS', async () => {
  for (const source of [
    '@plexmcp/service-kit',
    '@plexmcp/service-kit/nats',
    '@nats-io/transport-node',
    'pg',
  ]) {
    const messages = await boundaryMessages(SDK, `import * as m from '${source}';\nexport const x = m;\n`);
    assert.equal(messages.length, 1, source);
    assert.match(messages[0], /packages\/sdk imports only @plexmcp\/contracts/);
  }
  assert.deepEqual(
    await boundaryMessages(
      SDK,
      "import { parseApiKey } from '@plexmcp/contracts';\nexport const p = parseApiKey;\n",
    ),
    [],
  );
});

test('the CLI imports no app and not the SDK', async () => {
  for (const source of ['@plexmcp/key-service', '@plexmcp/sdk', '../../../apps/key-service/src/index.js']) {
    const messages = await boundaryMessages(CLI, `import * as m from '${source}';\nexport const x = m;\n`);
    assert.equal(messages.length, 1, source);
    assert.match(messages[0], /packages\/cli talks to the services over NATS only/);
  }
  assert.deepEqual(
    await boundaryMessages(
      CLI,
      "import { Subjects } from '@plexmcp/contracts';\nexport const s = Subjects;\n",
    ),
    [],
  );
});
