import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  ConfigError,
  booleanSchema,
  cidrListSchema,
  loadConfig,
  msSchema,
  natsUrlSchema,
  postgresUrlSchema,
} from './config.js';

const schema = z.object({
  NATS_URL: natsUrlSchema,
  DATABASE_URL: postgresUrlSchema,
  RPC_TIMEOUT_MS: msSchema(800),
  DOCS_ENABLED: booleanSchema(true),
});

describe('loadConfig', () => {
  it('applies defaults and converts values', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://u@db:5432/x', DOCS_ENABLED: '0' });
    expect(config).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: 'postgres://u@db:5432/x',
      RPC_TIMEOUT_MS: 800,
      DOCS_ENABLED: false,
    });
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', NATS_URL: '', RPC_TIMEOUT_MS: '' });
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.RPC_TIMEOUT_MS).toBe(800);
  });

  it('names every offending variable', () => {
    let error: unknown;
    try {
      loadConfig(schema, { NATS_URL: 'http://nats:4222', RPC_TIMEOUT_MS: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^NATS_URL: /m);
    expect(problems).toMatch(/^DATABASE_URL: /m);
    expect(problems).toMatch(/^RPC_TIMEOUT_MS: /m);
  });

  it('accepts a comma-separated NATS cluster', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://db/x',
      NATS_URL: 'nats://a:4222,nats://b:4222',
    });
    expect(config.NATS_URL).toBe('nats://a:4222,nats://b:4222');
  });

  it('reads a CIDR list, and names the entries that are not CIDRs', () => {
    const cidrs = z.object({ ALLOWED: cidrListSchema });
    expect(loadConfig(cidrs, {}).ALLOWED).toEqual([]);
    expect(loadConfig(cidrs, { ALLOWED: ' 127.0.0.0/8, ::1/128 ,' }).ALLOWED).toEqual([
      '127.0.0.0/8',
      '::1/128',
    ]);
    expect(() => loadConfig(cidrs, { ALLOWED: '10.0.0.0/8,localhost,10.0.0.0/40' })).toThrow(
      'ALLOWED: must be comma-separated IPv4/IPv6 CIDRs; not a CIDR: "localhost", "10.0.0.0/40"',
    );
  });
});
