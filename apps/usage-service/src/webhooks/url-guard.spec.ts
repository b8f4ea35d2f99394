import { describe, expect, it } from '@jest/globals';
import type { LookupAddress } from 'node:dns';
import { assertDeliverableUrl, guardedLookup, isPublicAddress } from './url-guard.js';

describe('webhook URL guard', () => {
  it('accepts only public unicast addresses', () => {
    for (const ip of ['8.8.8.8', '193.99.144.80', '2001:4860:4860::8888'])
      expect(isPublicAddress(ip)).toBe(true);
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ]) {
      expect(isPublicAddress(ip)).toBe(false);
    }
  });

  it('refuses loopback and metadata URLs unless private networks are allowed', async () => {
    await expect(assertDeliverableUrl('http://127.0.0.1:8080/hook', false)).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(assertDeliverableUrl('http://169.254.169.254/latest', false)).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(assertDeliverableUrl('http://[::1]/hook', false)).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(assertDeliverableUrl('http://localhost/hook', false)).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(assertDeliverableUrl('http://127.0.0.1:8080/hook', true)).resolves.toBeUndefined();
    await expect(assertDeliverableUrl('ftp://example.com/', true)).rejects.toMatchObject({
      code: 'validation_error',
    });
  });

  it('refuses, at connection time, a host name that resolves to loopback', async () => {
    const resolve = (allowPrivate: boolean) =>
      new Promise<LookupAddress[]>((ok, fail) =>
        guardedLookup(allowPrivate)('localhost', { all: true }, (err, addresses) =>
          err ? fail(err) : ok(addresses as unknown as LookupAddress[]),
        ),
      );
    await expect(resolve(false)).rejects.toMatchObject({ code: 'EBLOCKEDADDRESS' });
    await expect(resolve(true)).resolves.toEqual(
      expect.arrayContaining([expect.objectContaining({ address: '127.0.0.1' })]),
    );
  });
});
