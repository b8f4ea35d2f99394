import { describe, expect, it } from '@jest/globals';
import { loadGatewayConfig, outageGraceMs } from './config.js';

describe('gateway configuration', () => {
  it('reads MCP_UPSTREAM_ALLOWED_NETWORKS (default none) and names it when an entry is not a CIDR', () => {
    expect(loadGatewayConfig({}, {}).MCP_UPSTREAM_ALLOWED_NETWORKS).toEqual([]);
    expect(
      loadGatewayConfig({ MCP_UPSTREAM_ALLOWED_NETWORKS: '10.0.0.0/8, ::ffff:192.168.0.0/112' }, {})
        .MCP_UPSTREAM_ALLOWED_NETWORKS,
    ).toEqual(['10.0.0.0/8', '::ffff:192.168.0.0/112']);
    expect(() => loadGatewayConfig({ MCP_UPSTREAM_ALLOWED_NETWORKS: '10.0.0.0/8,intranet' }, {})).toThrow(
      /MCP_UPSTREAM_ALLOWED_NETWORKS: .*not a CIDR: "intranet"/,
    );
    expect(() => loadGatewayConfig({ TRUSTED_PROXIES: '10.0.0.0/99' }, {})).toThrow(/TRUSTED_PROXIES: /);
  });

  it('reads REDIS_URL (default none: limits per instance) and names it when it is not a redis URL', () => {
    const defaults = loadGatewayConfig({}, {});
    expect(defaults.REDIS_URL).toBeUndefined();
    expect(defaults.REDIS_KEY_PREFIX).toBe('plexmcp:');
    expect(defaults.REDIS_COMMAND_TIMEOUT_MS).toBe(100);
    expect(loadGatewayConfig({ REDIS_URL: 'redis://cache:6379/2' }, {}).REDIS_URL).toBe(
      'redis://cache:6379/2',
    );
    expect(loadGatewayConfig({ REDIS_URL: 'rediss://u:p@cache:6380' }, {}).REDIS_URL).toBe(
      'rediss://u:p@cache:6380',
    );
    expect(() => loadGatewayConfig({ REDIS_URL: 'http://cache:6379' }, {})).toThrow(/REDIS_URL: /);
    expect(() => loadGatewayConfig({ REDIS_COMMAND_TIMEOUT_MS: '0' }, {})).toThrow(
      /REDIS_COMMAND_TIMEOUT_MS: /,
    );
  });

  it('trusts cached decisions during a NATS outage for three heartbeat intervals unless told otherwise', () => {
    const derived = loadGatewayConfig({ HEARTBEAT_INTERVAL_MS: '200' }, {});
    expect(derived.NATS_OUTAGE_CACHE_GRACE_MS).toBeUndefined();
    expect(outageGraceMs(derived)).toBe(600);
    expect(outageGraceMs(loadGatewayConfig({}, {}))).toBe(3_000);
    expect(outageGraceMs(loadGatewayConfig({ NATS_OUTAGE_CACHE_GRACE_MS: '0' }, {}))).toBe(0);
    expect(
      outageGraceMs(
        loadGatewayConfig({ HEARTBEAT_INTERVAL_MS: '200', NATS_OUTAGE_CACHE_GRACE_MS: '60000' }, {}),
      ),
    ).toBe(60_000);
    expect(() => loadGatewayConfig({ NATS_OUTAGE_CACHE_GRACE_MS: '-1' }, {})).toThrow(
      /NATS_OUTAGE_CACHE_GRACE_MS/,
    );
  });
});
