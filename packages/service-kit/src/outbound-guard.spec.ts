import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { type LookupFunction, type Server, connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OutboundAddressPolicy } from '@plexmcp/contracts';
import fc from 'fast-check';
import { assertConnectHostAllowed, checkOutboundUrl, guardedLookup } from './outbound-guard.js';

const closed = new OutboundAddressPolicy();
const loopback = new OutboundAddressPolicy(['127.0.0.0/8', '::1/128']);

/** A resolver hook answering fixed addresses for every name (as a rebinding DNS server would). */
function answering(...addresses: string[]): LookupFunction {
  return (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
}

function resolve(lookup: LookupFunction, hostname: string, all = true): Promise<LookupAddress[] | string> {
  return new Promise((ok, fail) =>
    lookup(hostname, { all }, (err, address) => (err ? fail(err) : ok(address))),
  );
}

describe('checkOutboundUrl (at registration)', () => {
  it('refuses loopback literals and names that resolve to loopback, unless allowed', async () => {
    for (const url of [
      'http://127.0.0.1:8080/mcp',
      'http://[::1]/',
      'http://localhost/',
      'http://0x7f000001/',
    ]) {
      expect(await checkOutboundUrl(new URL(url), closed)).toMatchObject({ ok: false, reason: 'private' });
      expect(await checkOutboundUrl(new URL(url), loopback)).toMatchObject({ ok: true });
    }
  });

  it('refuses metadata addresses even when every network is allowed', async () => {
    const all = OutboundAddressPolicy.allowingAll();
    for (const url of [
      'http://169.254.169.254/latest',
      'http://[::ffff:169.254.169.254]/',
      'http://[fd00:ec2::254]/',
    ]) {
      expect(await checkOutboundUrl(new URL(url), all)).toMatchObject({ ok: false, reason: 'forbidden' });
    }
    const rebound = await checkOutboundUrl(new URL('http://metadata.example/'), all, {
      lookup: answering('8.8.8.8', '169.254.169.254'),
    });
    expect(rebound).toEqual({ ok: false, reason: 'forbidden', address: '169.254.169.254' });
  });

  it('needs every address of a name to be permitted', async () => {
    const url = new URL('https://mixed.example/');
    expect(await checkOutboundUrl(url, closed, { lookup: answering('8.8.8.8', '10.0.0.7') })).toEqual({
      ok: false,
      reason: 'private',
      address: '10.0.0.7',
    });
    expect(await checkOutboundUrl(url, closed, { lookup: answering('8.8.8.8', '2001:4860::1') })).toEqual({
      ok: true,
      addresses: ['8.8.8.8', '2001:4860::1'],
    });
  });

  it('reports a name that does not resolve, or not in time', async () => {
    const failing: LookupFunction = (hostname, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    const silent: LookupFunction = () => undefined;
    const url = new URL('https://nowhere.example/');
    expect(await checkOutboundUrl(url, closed, { lookup: failing })).toEqual({
      ok: false,
      reason: 'unresolvable',
    });
    expect(await checkOutboundUrl(url, closed, { lookup: silent, timeoutMs: 20 })).toEqual({
      ok: false,
      reason: 'unresolvable',
    });
  });
});

describe('guardedLookup and assertConnectHostAllowed (at connection)', () => {
  let server: Server;
  let port = 0;
  let accepted = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      accepted++;
      socket.end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  const dial = (host: string, lookup: LookupFunction) =>
    new Promise<void>((ok, fail) => {
      const socket = connect({ host, port, lookup });
      socket.once('connect', () => {
        socket.destroy();
        ok();
      });
      socket.once('error', fail);
    });

  it('refuses, on the socket, a name that resolves to loopback; the server never sees it', async () => {
    const before = accepted;
    await expect(dial('localhost', guardedLookup(closed))).rejects.toMatchObject({ code: 'EBLOCKEDADDRESS' });
    // A name the registration check saw as public, answered with loopback at connection time.
    await expect(dial('rebind.example', guardedLookup(closed, answering('127.0.0.1')))).rejects.toMatchObject(
      {
        code: 'EBLOCKEDADDRESS',
      },
    );
    expect(accepted).toBe(before);
    await dial('localhost', guardedLookup(loopback));
    await dial('rebind.example', guardedLookup(loopback, answering('127.0.0.1')));
    expect(accepted).toBe(before + 2);
  });

  it('answers in the shape the caller asked for', async () => {
    const lookup = guardedLookup(closed, answering('8.8.8.8', '2001:4860::1'));
    expect(await resolve(lookup, 'public.example')).toEqual([
      { address: '8.8.8.8', family: 4 },
      { address: '2001:4860::1', family: 6 },
    ]);
    expect(await resolve(lookup, 'public.example', false)).toBe('8.8.8.8');
  });

  it('checks address literals, which sockets never look up', () => {
    for (const host of ['127.0.0.1', '::1', '::7f00:1', '::ffff:169.254.169.254', '10.1.1.1', 'fe80::1']) {
      expect(() => assertConnectHostAllowed(host, closed)).toThrow(
        expect.objectContaining({ code: 'EBLOCKEDADDRESS' }),
      );
    }
    expect(() => assertConnectHostAllowed('169.254.169.254', OutboundAddressPolicy.allowingAll())).toThrow(
      'link-local, metadata or unspecified',
    );
    expect(() => assertConnectHostAllowed('127.0.0.1', loopback)).not.toThrow();
    expect(() => assertConnectHostAllowed('8.8.8.8', closed)).not.toThrow();
    expect(() => assertConnectHostAllowed('localhost', closed)).not.toThrow(); // left to guardedLookup
  });
});

describe('the guard against numeric host names the system resolver understands (property)', () => {
  // getaddrinfo reads numbers the way inet_aton does: 0x7f000001, 0177.0.0.1, 127.1, 2130706433.
  const privateV4 = fc
    .tuple(
      fc.constantFrom(0x7f000000, 0x0a000000, 0xc0a80000, 0xa9fe0000, 0xac100000),
      fc.integer({ min: 0, max: 0xffff }),
    )
    .map(([base, low]) => base + low);
  const radix = (n: number) =>
    fc.constantFrom(
      String(n),
      `0x${n.toString(16)}`,
      `0X${n.toString(16).toUpperCase()}`,
      `0${n.toString(8)}`,
    );
  const text = privateV4.chain((n) => {
    const [a, b, c, d] = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    return fc.oneof(
      radix(n),
      fc.tuple(radix(a), radix(b), radix(c), radix(d)).map((p) => p.join('.')),
      fc.tuple(radix(a), radix(b), radix(c * 256 + d)).map((p) => p.join('.')),
      fc.tuple(radix(a), radix(n & 0xffffff)).map((p) => p.join('.')),
    );
  });

  it('resolves such names to the address they stand for, and refuses it', async () => {
    for (const host of ['0x7f000001', '0177.0.0.1', '127.1', '2130706433', '10.0x10.1']) {
      await expect(resolve(guardedLookup(closed, dnsLookup), host)).rejects.toMatchObject({
        code: 'EBLOCKEDADDRESS',
      });
    }
  });

  it('never lets a socket reach a private address written as a number', async () => {
    const lookup = guardedLookup(closed, dnsLookup);
    await fc.assert(
      fc.asyncProperty(text, async (host) => {
        let literalRefused = true;
        try {
          assertConnectHostAllowed(host, closed);
          literalRefused = false;
        } catch {
          // refused before any lookup
        }
        if (literalRefused) return;
        const outcome = await resolve(lookup, host).then(
          (addresses) => ({ resolved: addresses }),
          (err: { code?: string }) => ({ refused: err.code }),
        );
        expect([host, outcome]).toEqual([
          host,
          { refused: expect.stringMatching(/^(EBLOCKEDADDRESS|ENOTFOUND|EAI_AGAIN)$/) },
        ]);
      }),
      { numRuns: 300 },
    );
  });
});
