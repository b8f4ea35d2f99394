import { describe, expect, it } from '@jest/globals';
import { CidrList, isValidCidr, parseCidr } from './index.js';

describe('CIDR lists', () => {
  it('matches IPv4 and IPv6 clients against their own ranges', () => {
    const list = new CidrList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    expect(list.matches('10.1.2.3')).toBe(true);
    expect(list.matches('11.0.0.1')).toBe(false);
    expect(list.matches('2001:db8::1')).toBe(true);
    expect(list.matches('2001:db9::1')).toBe(false);
    expect(list.matches('192.0.2.7')).toBe(true);
    expect(list.matches('192.0.2.8')).toBe(false);
    expect(list.matches('not an ip')).toBe(false);
  });

  it('matches an IPv4 client reported as IPv4-mapped IPv6 (dual-stack sockets)', () => {
    const list = new CidrList(['10.0.0.0/8']);
    expect(list.matches('::ffff:10.9.8.7')).toBe(true);
    expect(list.matches('::ffff:a09:807')).toBe(true);
    expect(list.matches('::ffff:11.0.0.1')).toBe(false);
  });

  it('treats an IPv4-mapped range as the IPv4 range it stands for', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')?.map(String)).toEqual(['10.0.0.0', '8']);
    const list = new CidrList(['::ffff:10.0.0.0/104', '::ffff:192.168.1.1']);
    expect(list.matches('10.200.1.1')).toBe(true);
    expect(list.matches('::ffff:10.200.1.1')).toBe(true);
    expect(list.matches('11.0.0.1')).toBe(false);
    expect(list.matches('192.168.1.1')).toBe(true);
    expect(list.matches('192.168.1.2')).toBe(false);
    // The whole mapped block is all of IPv4.
    expect(new CidrList(['::ffff:0:0/96']).matches('203.0.113.9')).toBe(true);
  });

  it('keeps IPv6 ranges shorter than the mapped block as IPv6', () => {
    const list = new CidrList(['::/64']);
    expect(list.matches('::1')).toBe(true);
    expect(list.matches('10.0.0.1')).toBe(false);
  });

  it('refuses what is not a CIDR', () => {
    for (const bad of ['', '10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/8/8']) {
      expect(isValidCidr(bad)).toBe(false);
    }
    expect(() => new CidrList(['nope'])).toThrow('invalid CIDR: nope');
  });
});
