import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { buildOpenApiDocument } from './openapi.js';

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

type Operation = {
  operationId: string;
  tags: string[];
  security: unknown[];
  parameters: { $ref?: string }[];
  responses: Record<string, unknown>;
};

const document = buildOpenApiDocument('1.0.0');
const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
);

/** Redocly's CLI, installed from npm, run offline (no telemetry, no update check). */
async function redoclyLint(file: string): Promise<{ totals: { errors: number }; problems: Problem[] }> {
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
    'bin/cli.js',
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'lint', '--extends=recommended', '--format=json', file],
    {
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        NO_COLOR: '1',
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return JSON.parse(stdout) as { totals: { errors: number }; problems: Problem[] };
}

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules (the only warnings: no 4xx on the credential-free probes)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plexmcp-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document, null, 1));
      const result = await redoclyLint(file);
      expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(result.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`).sort()).toEqual([
        'operation-4xx-response #/paths/~1healthz/get/responses',
        'operation-4xx-response #/paths/~1metrics/get/responses',
        'operation-4xx-response #/paths/~1readyz/get/responses',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('every operation has a unique operationId, a declared tag and its security stated', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = (document.tags as { name: string }[]).map((t) => t.name);
    for (const { op } of operations) {
      expect(op.tags).toHaveLength(1);
      expect(tags).toContain(op.tags[0]);
      expect(Array.isArray(op.security)).toBe(true);
    }
  });

  it('every authenticated operation documents its errors with the envelope; every POST but the MCP endpoint takes Idempotency-Key', () => {
    for (const { path, method, op } of operations) {
      if (op.security.length === 0) continue;
      const codes = Object.keys(op.responses).filter((c) => c >= '400');
      expect({ path, method, codes: codes.filter((c) => ['401', '403', '429', '503'].includes(c)) }).toEqual({
        path,
        method,
        codes: ['401', '403', '429', '503'],
      });
      if (path.includes('{id}')) expect(codes).toContain('404');
      if (method === 'post' || method === 'patch')
        expect(codes).toEqual(expect.arrayContaining(['400', '409', '413']));
      const idempotent = op.parameters.some((p) => p.$ref === '#/components/parameters/IdempotencyKey');
      expect({ path, method, idempotent }).toEqual({
        path,
        method,
        idempotent: method === 'post' && !path.endsWith('/mcp'),
      });
    }
    const responses = (document.components as { responses: Record<string, { content: unknown }> }).responses;
    for (const name of [
      'ValidationError',
      'Unauthorized',
      'Forbidden',
      'NotFound',
      'Conflict',
      'PayloadTooLarge',
    ])
      expect(responses[name]?.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/Error' } },
      });
  });
});
