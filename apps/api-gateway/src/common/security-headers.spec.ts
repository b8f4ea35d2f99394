import { describe, expect, it } from '@jest/globals';
import { computeSecurityHeaders } from './security-headers.js';

describe('computeSecurityHeaders', () => {
  it('returns helmet\u2019s headers for the API policy', async () => {
    const headers = await computeSecurityHeaders();
    expect(headers['x-content-type-options']).toBe('nosniff');
    // The strict API policy alone: none of helmet's document defaults loosen it.
    expect(headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(headers['strict-transport-security']).toMatch(/max-age=/);
    expect(headers['cross-origin-resource-policy']).toBe('same-site');
    expect(headers).not.toHaveProperty('content-type');
  });
});
