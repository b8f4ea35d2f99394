import { describe, expect, it } from '@jest/globals';
import { loadGatewayConfig } from './config.js';

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
});
