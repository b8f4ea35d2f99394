import { beforeAll, describe, expect, it } from '@jest/globals';
import { GeoIpService } from './geoip.service.js';

describe('GeoIpService (bundled database)', () => {
  let geo: GeoIpService;
  beforeAll(async () => {
    geo = await GeoIpService.open();
  });

  it('finds the country of public IPv4 and IPv6 addresses', () => {
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('193.99.144.80')).toBe('DE');
    expect(geo.country('2001:4860:4860::8888')).toBe('US');
  });

  it('has no country for private, loopback or malformed addresses', () => {
    expect(geo.country('127.0.0.1')).toBeNull();
    expect(geo.country('10.1.2.3')).toBeNull();
    expect(geo.country('not-an-ip')).toBeNull();
    expect(geo.country(null)).toBeNull();
  });
});
