// Node ESM loader hooks that run the service's TypeScript sources directly (SWC, same options as
// Jest), so a test can start the real `src/main.ts` as a child process and SIGKILL it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from '@swc/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const aliases = {
  '@plexmcp/contracts': path.join(root, 'packages/contracts/src/index.ts'),
  '@plexmcp/service-kit': path.join(root, 'packages/service-kit/src/index.ts'),
  '@plexmcp/service-kit/testing': path.join(root, 'packages/service-kit/src/testing/index.ts'),
};

export async function resolve(specifier, context, next) {
  const alias = aliases[specifier];
  if (alias) return { url: pathToFileURL(alias).href, shortCircuit: true };
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
