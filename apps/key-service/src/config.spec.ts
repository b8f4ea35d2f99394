import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@plexmcp/service-kit';
import { testEncryptionKeys } from '@plexmcp/service-kit/testing';
import { loadKeyServiceConfig } from './config.js';

const KEYS = { PLEXMCP_ENCRYPTION_KEYS: testEncryptionKeys() };

describe('key-service configuration', () => {
  it('uses defaults and prefers the service-specific database URL', () => {
    const config = loadKeyServiceConfig(
      {},
      { ...KEYS, DATABASE_URL: 'postgres://a@h/db', KEY_SERVICE_DATABASE_URL: 'postgres://b@h/keys' },
    );
    expect(config).toMatchObject({
      database: { databaseUrl: 'postgres://b@h/keys', dbSchema: 'key_service' },
      NATS_URL: 'nats://127.0.0.1:4222',
      KEY_SWEEP_INTERVAL_MS: 5_000,
      KEY_EVENT_ACK_TIMEOUT_MS: 250,
    });
  });

  it('lets overrides win over the environment', () => {
    const config = loadKeyServiceConfig(
      { dbSchema: 'k2', sweepIntervalMs: 100 },
      { ...KEYS, DATABASE_URL: 'postgres://a@h/db' },
    );
    expect(config).toMatchObject({ database: { dbSchema: 'k2' }, KEY_SWEEP_INTERVAL_MS: 100 });
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => loadKeyServiceConfig({}, KEYS)).toThrow(/DATABASE_URL/);
    expect(() => loadKeyServiceConfig({}, { ...KEYS, DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() =>
      loadKeyServiceConfig(
        {},
        { ...KEYS, DATABASE_URL: 'postgres://a@h/db', KEY_EVENT_ACK_TIMEOUT_MS: 'soon' },
      ),
    ).toThrow(/KEY_EVENT_ACK_TIMEOUT_MS/);
  });

  it('reads MCP_UPSTREAM_ALLOWED_NETWORKS, naming it when an entry is not a CIDR', () => {
    const env = { ...KEYS, DATABASE_URL: 'postgres://a@h/db' };
    expect(loadKeyServiceConfig({}, env).MCP_UPSTREAM_ALLOWED_NETWORKS).toEqual([]);
    expect(
      loadKeyServiceConfig({}, { ...env, MCP_UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8, ::1/128' })
        .MCP_UPSTREAM_ALLOWED_NETWORKS,
    ).toEqual(['127.0.0.0/8', '::1/128']);
    expect(
      loadKeyServiceConfig({ mcpUpstreamAllowedNetworks: ['10.0.0.0/8'] }, env).MCP_UPSTREAM_ALLOWED_NETWORKS,
    ).toEqual(['10.0.0.0/8']);
    expect(() => loadKeyServiceConfig({}, { ...env, MCP_UPSTREAM_ALLOWED_NETWORKS: 'localhost' })).toThrow(
      /MCP_UPSTREAM_ALLOWED_NETWORKS: .*not a CIDR: "localhost"/,
    );
  });

  it('refuses to start without an encryption keyring, saying how to make one', () => {
    expect(() => loadKeyServiceConfig({}, { DATABASE_URL: 'postgres://a@h/db' })).toThrow(
      /PLEXMCP_ENCRYPTION_KEYS: required.*openssl rand -base64 32/s,
    );
    expect(() =>
      loadKeyServiceConfig({}, { DATABASE_URL: 'postgres://a@h/db', PLEXMCP_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }),
    ).toThrow(/PLEXMCP_ENCRYPTION_KEYS: key "k1" is 5 bytes/);
    const config = loadKeyServiceConfig(
      { encryptionKeys: testEncryptionKeys() },
      { DATABASE_URL: 'postgres://a@h/db' },
    );
    expect(config.PLEXMCP_ENCRYPTION_KEYS.primaryKeyId).toBe('test');
  });
});
