// Type-aware lint for every package (see package.json for why TypeScript 6 lives here).
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Globals of the Node.js runtime, for the plain .mjs scripts. */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'structuredClone',
    'fetch',
    'AbortController',
    'AbortSignal',
    'TextEncoder',
    'TextDecoder',
  ].map((name) => [name, 'readonly']),
);

/** Deployable processes: none may import another (they talk over NATS and HTTP only). */
const APPS = ['api-gateway', 'key-service', 'usage-service', 'dashboard'];

/**
 * Import boundaries, as `@typescript-eslint/no-restricted-imports` options per area (the rule's
 * options do not merge across config objects, so each area lists all its restrictions).
 * Exported for the test that proves each one fires.
 */
export const boundaries = {
  /** An app's source imports no other app, by package name or by path into its folder. */
  app: (app) => ({
    patterns: APPS.filter((other) => other !== app).map((other) => ({
      regex: `^@plexmcp/${other}(/|$)|(^|/)(apps/)?${other}/(src|dist)(/|$)`,
      message: `apps never import each other (${app} → ${other}): share code through packages/*.`,
    })),
  }),
  /** Contracts are pure: schemas, types, ids, the key format. No I/O, no framework. */
  contracts: {
    patterns: [
      {
        regex:
          '^(node:)?(fs|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads)(/|$)' +
          '|^(@nats-io/|nats$|pg$|pg-|typeorm$|undici$|ioredis$|redis$|@nestjs/|pino$)' +
          '|^@plexmcp/',
        message:
          'packages/contracts imports no I/O, framework or other workspace package: only zod and pure code.',
      },
    ],
  },
  /**
   * The published SDK: of the workspace only contracts (bundled into its build), no NATS or service
   * plumbing, so installing it pulls in nothing private and no server-side dependency.
   */
  sdk: {
    patterns: [
      {
        regex: '^@plexmcp/(?!contracts(/vocabulary)?$)|^(@nats-io/|@nestjs/|pg$|typeorm$|ioredis$)',
        message:
          'packages/sdk imports only @plexmcp/contracts of the workspace (bundled when built) and no server-side package.',
      },
    ],
  },
  /** The published CLI: talks to the services over NATS, never imports one. */
  cli: {
    patterns: [
      {
        regex: `^@plexmcp/(${APPS.join('|')}|sdk)(/|$)|(^|/)(apps|sdk)/`,
        message: 'packages/cli talks to the services over NATS only: it imports no app (and not the SDK).',
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.d.ts',
      '**/test/fixtures/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
  },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts', '**/*.tsx'] })),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: repoRoot,
        // Every package compiles with legacy decorators and decorator metadata (NestJS DI reads
        // constructor parameter types at run time). Saying so here as well as in tsconfig makes
        // `consistent-type-imports` skip files that contain decorators even where a file's
        // compiler options cannot be read: turning `import { ConfigService }` into
        // `import type` there would erase the class from the emitted metadata and break DI.
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...APPS.filter((app) => app !== 'dashboard').map((app) => ({
    files: [`apps/${app}/src/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', boundaries.app(app)] },
  })),
  {
    // The dashboard is a browser bundle: contracts only as types (no zod, no node:crypto in it),
    // and values only from the import-free `@plexmcp/contracts/vocabulary`.
    files: ['apps/dashboard/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...boundaries.app('dashboard').patterns,
            {
              regex: '^@plexmcp/contracts$',
              allowTypeImports: true,
              message:
                'the dashboard imports contracts as types only (`import type`), so its bundle stays small.',
            },
            {
              regex: '^@plexmcp/(?!contracts(/vocabulary)?$)',
              message: 'the dashboard imports no other workspace package.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', boundaries.sdk] },
  },
  {
    files: ['packages/cli/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', boundaries.cli] },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', boundaries.contracts] },
  },
);
