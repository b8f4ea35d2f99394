import { describe, expect, it } from '@jest/globals';
import { UpstreamAdmission } from './upstream-admission.js';

describe('UpstreamAdmission', () => {
  it('bounds each organization and each key per pool, and gives places back', () => {
    const admission = new UpstreamAdmission({ perOrganization: 2, perKey: 1 });
    const pool = {};
    const other = {};
    expect(admission.acquire(pool, 'org_a', 'key_1')).toBeNull();
    expect(admission.acquire(pool, 'org_a', 'key_1')).toBe('key');
    expect(admission.acquire(pool, 'org_a', 'key_2')).toBeNull();
    expect(admission.acquire(pool, 'org_a', 'key_3')).toBe('organization');
    // Another organization, and the same organization on another pool, are not affected.
    expect(admission.acquire(pool, 'org_b', 'key_9')).toBeNull();
    expect(admission.acquire(other, 'org_a', 'key_1')).toBeNull();
    expect(admission.inFlight(pool, 'org_a')).toBe(2);

    admission.release(pool, 'org_a', 'key_1');
    expect(admission.inFlight(pool, 'org_a')).toBe(1);
    expect(admission.acquire(pool, 'org_a', 'key_3')).toBeNull();
    expect(admission.acquire(pool, 'org_a', 'key_1')).toBe('organization');
  });

  it('a refused request holds nothing', () => {
    const admission = new UpstreamAdmission({ perOrganization: 1, perKey: 1 });
    const pool = {};
    expect(admission.acquire(pool, 'org_a', 'key_1')).toBeNull();
    for (let i = 0; i < 5; i++) expect(admission.acquire(pool, 'org_a', 'key_2')).toBe('organization');
    admission.release(pool, 'org_a', 'key_1');
    expect(admission.inFlight(pool, 'org_a')).toBe(0);
    expect(admission.acquire(pool, 'org_a', 'key_2')).toBeNull();
  });
});
