import { describe, expect, it } from '@jest/globals';
import { ClientIpResolver } from './client-ip.js';

describe('ClientIpResolver', () => {
  it('uses the socket address when no proxy is trusted, ignoring X-Forwarded-For', () => {
    const r = new ClientIpResolver([]);
    expect(r.resolve('::ffff:203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For from the right past trusted proxies', () => {
    const r = new ClientIpResolver(['10.0.0.0/8', '127.0.0.1/32']);
    expect(r.resolve('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(r.resolve('127.0.0.1', ['6.6.6.6', '198.51.100.8'])).toBe('198.51.100.8');
  });

  it('ignores X-Forwarded-For from an untrusted peer (spoofing)', () => {
    const r = new ClientIpResolver(['10.0.0.0/8']);
    expect(r.resolve('203.0.113.50', '1.1.1.1')).toBe('203.0.113.50');
  });

  it('stops at garbage and when every hop is trusted returns the leftmost', () => {
    const r = new ClientIpResolver(['10.0.0.0/8']);
    expect(r.resolve('10.0.0.1', 'not-an-ip, 10.0.0.2')).toBe('10.0.0.2');
    expect(r.resolve('10.0.0.1', '10.0.0.3, 10.0.0.2')).toBe('10.0.0.3');
    expect(r.resolve('10.0.0.1', undefined)).toBe('10.0.0.1');
  });
});
