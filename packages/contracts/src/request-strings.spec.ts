import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { z } from 'zod';
import {
  RESERVED_UPSTREAM_HEADERS,
  createKeyBodySchema,
  createMcpBodySchema,
  createOrgRequestSchema,
  createWebhookBodySchema,
  listAlertsQuerySchema,
  paginationQuerySchema,
  updateKeyBodySchema,
  updateMcpBodySchema,
  updateOrgRequestSchema,
  usageQuerySchema,
  zodDetails,
} from './index.js';

const SEED = 20_261_212;

/** Inserts `bad` somewhere inside `text` (fast-check picks where). */
const withInside = (text: string, bad: string) =>
  fc.nat({ max: text.length }).map((at) => text.slice(0, at) + bad + text.slice(at));

/** Every free-text string of a request body or query, each with a valid value around it. */
const FREE_TEXT: { schema: z.ZodType; field: string; input: (v: string) => unknown; valid: string }[] = [
  { schema: createKeyBodySchema, field: 'name', input: (name) => ({ name }), valid: 'Worker' },
  { schema: updateKeyBodySchema, field: 'name', input: (name) => ({ name }), valid: 'Worker' },
  {
    schema: createMcpBodySchema,
    field: 'name',
    input: (name) => ({ name, upstream_url: 'https://mcp.example.com/mcp' }),
    valid: 'Weather',
  },
  { schema: updateMcpBodySchema, field: 'name', input: (name) => ({ name }), valid: 'Weather' },
  {
    schema: createMcpBodySchema,
    field: 'upstream_url',
    input: (url) => ({ name: 'W', upstream_url: url }),
    valid: 'https://mcp.example.com/mcp',
  },
  {
    schema: updateMcpBodySchema,
    field: 'upstream_url',
    input: (url) => ({ upstream_url: url }),
    valid: 'https://mcp.example.com/mcp',
  },
  {
    schema: createWebhookBodySchema,
    field: 'url',
    input: (url) => ({ url }),
    valid: 'https://hooks.example.com/in',
  },
  {
    schema: createWebhookBodySchema,
    field: 'description',
    input: (description) => ({ url: 'https://hooks.example.com/in', description }),
    valid: 'Pager duty',
  },
  { schema: createOrgRequestSchema, field: 'name', input: (name) => ({ name }), valid: 'Acme' },
  {
    schema: updateOrgRequestSchema,
    field: 'body.name',
    input: (name) => ({ id: 'org_0000000000000000', body: { name } }),
    valid: 'Acme',
  },
  { schema: paginationQuerySchema, field: 'cursor', input: (cursor) => ({ cursor }), valid: 'abc' },
  { schema: listAlertsQuerySchema, field: 'cursor', input: (cursor) => ({ cursor }), valid: 'abc' },
  { schema: usageQuerySchema, field: 'breakdown', input: (breakdown) => ({ breakdown }), valid: 'mcp' },
];

describe('free-text strings of requests', () => {
  it.each(FREE_TEXT)('accept a plain $field', (c) => {
    expect(c.schema.safeParse(c.input(c.valid)).success).toBe(true);
  });

  it('refuse a NUL anywhere, naming the field, in every request schema', () => {
    for (const c of FREE_TEXT) {
      fc.assert(
        fc.property(withInside(c.valid, '\u0000'), (value) => {
          const result = c.schema.safeParse(c.input(value));
          expect(result.success).toBe(false);
          if (!result.success) expect(zodDetails(result.error).map((d) => d.field)).toContain(c.field);
        }),
        { seed: SEED, numRuns: 30 },
      );
    }
  });

  it('URLs refuse spaces and control characters, and an unparsable URL is an issue, not a throw', () => {
    for (const url of ['not a url', 'http://a b/', 'http://[::1', 'http://x/\u0000', 'http://x/\u007f']) {
      expect(createMcpBodySchema.safeParse({ name: 'W', upstream_url: url }).success).toBe(false);
      expect(createWebhookBodySchema.safeParse({ url }).success).toBe(false);
    }
    expect(createMcpBodySchema.safeParse({ name: 'W', upstream_url: 'http://u:p@x/' }).success).toBe(false);
  });
});

describe('upstream headers of an MCP', () => {
  const parse = (upstream_headers: Record<string, string>) =>
    createMcpBodySchema.safeParse({ name: 'W', upstream_url: 'https://x.example/mcp', upstream_headers });

  it('keep a credential: Authorization and token headers are allowed', () => {
    expect(parse({ Authorization: 'Bearer upstream-secret', 'X-Api-Key': 'k\tv 1' }).success).toBe(true);
    expect(parse({ Cookie: 'sid=1' }).success).toBe(true);
  });

  it('refuse CR, LF, NUL and any other control or non-ASCII character in a value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          '\r',
          '\n',
          '\r\n',
          '\u0000',
          '\u0001',
          '\u001f',
          '\u007f',
          '\u00e9',
          '\u2028',
          '\ud83d',
        ),
        fc.string({ maxLength: 20 }),
        (bad, around) => {
          const value = `${around.replace(/[^\x21-\x7e]/g, 'a')}${bad}x`;
          expect(parse({ 'X-Token': value }).success).toBe(false);
          expect(updateMcpBodySchema.safeParse({ upstream_headers: { 'X-Token': value } }).success).toBe(
            false,
          );
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
    expect(parse({ 'X-Token': ' padded' }).success).toBe(false);
    expect(parse({ 'X-Token': 'padded ' }).success).toBe(false);
  });

  it('refuse names that are not RFC 9110 tokens', () => {
    for (const name of ['', 'X Token', 'X:Token', 'X\r\nInjected', 'X\u0000', '(x)', 'é', ':authority']) {
      expect(parse({ [name]: 'v' }).success).toBe(false);
    }
  });

  it('refuse hop-by-hop and gateway-owned names in any case, and duplicates ignoring case', () => {
    for (const name of RESERVED_UPSTREAM_HEADERS) {
      expect(parse({ [name]: 'v' }).success).toBe(false);
      expect(parse({ [name.toUpperCase()]: 'v' }).success).toBe(false);
    }
    for (const name of ['Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'TE', 'Upgrade']) {
      expect(parse({ [name]: 'v' }).success).toBe(false);
    }
    expect(parse({ 'X-Token': 'a', 'x-token': 'b' }).success).toBe(false);
  });
});
