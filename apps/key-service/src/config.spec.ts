import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@plexmcp/service-kit';
import { loadKeyServiceConfig } from './config.js';

describe('key-service configuration', () => {
  it('uses defaults and prefers the service-specific database URL', () => {
    const config = loadKeyServiceConfig(
      {},
      { DATABASE_URL: 'postgres://a@h/db', KEY_SERVICE_DATABASE_URL: 'postgres://b@h/keys' },
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgres://b@h/keys',
      dbSchema: 'key_service',
      natsUrl: 'nats://127.0.0.1:4222',
      sweepIntervalMs: 5_000,
      eventAckTimeoutMs: 250,
    });
  });

  it('lets overrides win over the environment', () => {
    const config = loadKeyServiceConfig(
      { dbSchema: 'k2', sweepIntervalMs: 100 },
      { DATABASE_URL: 'postgres://a@h/db' },
    );
    expect(config).toMatchObject({ dbSchema: 'k2', sweepIntervalMs: 100 });
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => loadKeyServiceConfig({}, {})).toThrow(/DATABASE_URL/);
    expect(() => loadKeyServiceConfig({}, { DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() =>
      loadKeyServiceConfig({}, { DATABASE_URL: 'postgres://a@h/db', KEY_EVENT_ACK_TIMEOUT_MS: 'soon' }),
    ).toThrow(/KEY_EVENT_ACK_TIMEOUT_MS/);
  });

  it('reads MCP_UPSTREAM_ALLOWED_NETWORKS, naming it when an entry is not a CIDR', () => {
    const env = { DATABASE_URL: 'postgres://a@h/db' };
    expect(loadKeyServiceConfig({}, env).mcpUpstreamAllowedNetworks).toEqual([]);
    expect(
      loadKeyServiceConfig({}, { ...env, MCP_UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8, ::1/128' })
        .mcpUpstreamAllowedNetworks,
    ).toEqual(['127.0.0.0/8', '::1/128']);
    expect(
      loadKeyServiceConfig({ mcpUpstreamAllowedNetworks: ['10.0.0.0/8'] }, env).mcpUpstreamAllowedNetworks,
    ).toEqual(['10.0.0.0/8']);
    expect(() => loadKeyServiceConfig({}, { ...env, MCP_UPSTREAM_ALLOWED_NETWORKS: 'localhost' })).toThrow(
      /MCP_UPSTREAM_ALLOWED_NETWORKS: .*not a CIDR: "localhost"/,
    );
  });
});
