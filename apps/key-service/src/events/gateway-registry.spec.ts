import { describe, expect, it } from '@jest/globals';
import { GatewayRegistry } from './gateway-registry.js';

describe('GatewayRegistry', () => {
  it('counts an instance while its heartbeat is fresh and forgets it after', () => {
    const registry = new GatewayRegistry();
    registry.heartbeat('a', 1_000, 0);
    registry.heartbeat('b', 5_000, 0);
    registry.heartbeat('a', 1_000, 500);
    expect(registry.live(1_400).sort()).toEqual(['a', 'b']);
    expect(registry.live(1_500)).toEqual(['b']);
    expect(registry.live(5_000)).toEqual([]);
  });
});
