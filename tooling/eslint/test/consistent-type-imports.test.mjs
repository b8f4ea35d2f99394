// `consistent-type-imports` must never turn an import that decorator metadata needs into
// `import type` (NestJS DI would then inject `undefined`), and must still work everywhere else.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const eslint = new ESLint({
  cwd: path.resolve(import.meta.dirname, '../../..'),
  overrideConfigFile: path.join(import.meta.dirname, '../eslint.config.js'),
  // The root lint skips the fixtures (one of them is wrong on purpose); here they are the subject.
  ignore: false,
});

async function typeImportMessages(file) {
  const [result] = await eslint.lintFiles([path.join(fixtures, file)]);
  assert.equal(result.fatalErrorCount, 0, JSON.stringify(result.messages));
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/consistent-type-imports');
}

test('a class used only in a decorated constructor keeps its value import', async () => {
  assert.deepEqual(await typeImportMessages('decorated-consumer.ts'), []);
});

test('without decorators a type-only use is still reported', async () => {
  const messages = await typeImportMessages('plain-consumer.ts');
  assert.equal(messages.length, 1);
  assert.match(messages[0].message, /only used as type/);
});
