// Shared Jest setup, which packages extend. ESM, because NestJS 12 is ESM-only and Jest on Node 20
// cannot require() it (hence `node --experimental-vm-modules`); SWC transforms TypeScript, because
// TypeScript 7 has no compiler API for ts-jest.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @param {string} dir the package directory */
export function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: [
      '<rootDir>/src/**/*.spec.ts',
      '<rootDir>/test/**/*.spec.ts',
      '<rootDir>/test/**/*.e2e-spec.ts',
    ],
    moduleNameMapper: {
      // Workspace packages are tested from source, so tests never need a build.
      '^@plexmcp/contracts$': path.join(root, 'packages/contracts/src/index.ts'),
      '^@plexmcp/contracts/vocabulary$': path.join(root, 'packages/contracts/src/vocabulary.ts'),
      '^@plexmcp/service-kit$': path.join(root, 'packages/service-kit/src/index.ts'),
      '^@plexmcp/service-kit/testing$': path.join(root, 'packages/service-kit/src/testing/index.ts'),
      '^@plexmcp/sdk$': path.join(root, 'packages/sdk/src/index.ts'),
      '^@plexmcp/key-service$': path.join(root, 'apps/key-service/src/index.ts'),
      '^@plexmcp/usage-service$': path.join(root, 'apps/usage-service/src/index.ts'),
      '^@plexmcp/upstream-mcp$': path.join(root, 'tooling/upstream-mcp/src/index.ts'),
      '^@plexmcp/test-harness$': path.join(root, 'tooling/test-harness/src/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
            target: 'es2022',
          },
          module: { type: 'es6' },
        },
      ],
    },
    testTimeout: 30000,
    // In CI a failed suite that leaves a handle open must end the run red, not hang it until the
    // job's time limit. Locally Jest keeps warning about open handles so they get fixed.
    forceExit: process.env.CI === 'true',
    ...overrides,
  };
}
