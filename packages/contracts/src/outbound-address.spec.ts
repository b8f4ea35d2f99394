import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { OutboundAddressPolicy, embeddedIpv4, urlHost } from './index.js';

const closed = new OutboundAddressPolicy();
const loopbackAllowed = new OutboundAddressPolicy(['127.0.0.0/8', '::1/128']);
const everything = OutboundAddressPolicy.allowingAll();

describe('outbound address policy', () => {
  it('lets public unicast addresses through, and nothing else without an allowlist', () => {
    for (const ip of ['8.8.8.8', '193.99.144.80', '2001:4860:4860::8888', '64:ff9b::808:808']) {
      expect(closed.classify(ip)).toBe('public');
    }
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      '::1',
      'fd00::1',
      'ff02::1',
      '2001:db8::1',
      '2002:7f00:1::', // 6to4
      '::ffff:127.0.0.1',
      '::ffff:10.1.2.3',
    ]) {
      expect([ip, closed.classify(ip)]).toEqual([ip, 'private']);
    }
  });

  it('judges IPv4-compatible, -translated and NAT64 addresses by the IPv4 address they carry', () => {
    for (const ip of [
      '::7f00:1',
      '::127.0.0.1',
      '::a00:1',
      '::ffff:0:7f00:1',
      '::ffff:0:192.168.0.1',
      '64:ff9b::7f00:1',
      '64:ff9b::10.0.0.1',
    ]) {
      expect([ip, closed.classify(ip)]).toEqual([ip, 'private']);
    }
    expect(embeddedIpv4(ipaddr.IPv6.parse('::7f00:1'))?.toString()).toBe('127.0.0.1');
    expect(embeddedIpv4(ipaddr.IPv6.parse('64:ff9b::a9fe:a9fe'))?.toString()).toBe('169.254.169.254');
    expect(embeddedIpv4(ipaddr.IPv6.parse('::1'))).toBeNull();
    expect(embeddedIpv4(ipaddr.IPv6.parse('::'))).toBeNull();
    expect(embeddedIpv4(ipaddr.IPv6.parse('2001:db8::7f00:1'))).toBeNull();
    expect(closed.classify('::808:808')).toBe('public');
    expect(closed.classify('::ffff:0:808:808')).toBe('public');
  });

  it('lets allowed networks through, in every form of their addresses', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '::7f00:1', '64:ff9b::7f00:1']) {
      expect([ip, loopbackAllowed.classify(ip)]).toEqual([ip, 'allowed']);
    }
    expect(loopbackAllowed.classify('10.0.0.1')).toBe('private');
    expect(new OutboundAddressPolicy(['::ffff:10.0.0.0/104']).classify('10.1.1.1')).toBe('allowed');
  });

  it('never lets link-local, metadata or unspecified addresses through, whatever is allowed', () => {
    for (const ip of [
      '169.254.169.254',
      '169.254.170.2',
      '169.254.0.1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '::a9fe:a9fe',
      '64:ff9b::169.254.169.254',
      'fe80::1',
      'febf::1',
      'fd00:ec2::254',
      'fd20:ce::254',
      '100.100.100.200',
      '192.0.0.192',
      '0.0.0.0',
      '0.1.2.3',
      '::',
      '::ffff:0.0.0.0',
      'not-an-address',
      '',
    ]) {
      expect([ip, everything.classify(ip)]).toEqual([ip, 'forbidden']);
      expect(new OutboundAddressPolicy(['169.254.0.0/16', 'fe80::/10', 'fd00::/8']).permits(ip)).toBe(false);
    }
    expect(everything.classify('10.0.0.1')).toBe('allowed');
    expect(everything.classify('fd00:ec2::253')).toBe('allowed');
  });

  it('strips the brackets of an IPv6 URL host', () => {
    expect(urlHost(new URL('http://[::1]:8080/x'))).toBe('::1');
    expect(urlHost(new URL('http://example.com/x'))).toBe('example.com');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: no textual form of a non-public address that a URL accepts is let through.

/** Non-public IPv4 networks (RFC 6890 and friends), independent of the code under test. */
const PRIVATE_V4: [number, number][] = (
  [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const
).map(([base, bits]) => [
  ipaddr.IPv4.parse(base)
    .toByteArray()
    .reduce((n, b) => n * 256 + b, 0),
  bits,
]);

const privateV4 = fc
  .tuple(fc.constantFrom(...PRIVATE_V4), fc.nat())
  .map(([[base, bits], r]) => base + (r % 2 ** (32 - bits)));

const octets = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const hex16 = (n: number) => n.toString(16);

/** One number in the radix WHATWG's IPv4 parser accepts: decimal, 0x-hex or 0-octal. */
const inRadix = (n: number) =>
  fc.oneof(
    fc.constant(String(n)),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 0, max: 3 }))
      .map(
        ([upper, zeros]) =>
          `0${upper ? 'X' : 'x'}${'0'.repeat(zeros)}${upper ? n.toString(16).toUpperCase() : n.toString(16)}`,
      ),
    fc.integer({ min: 1, max: 3 }).map((zeros) => `${'0'.repeat(zeros)}${n.toString(8)}`),
  );

/** IPv4 textual forms a URL host may take: dotted, shortened (a.b.c, a.b), a single number. */
const v4Text = (n: number): fc.Arbitrary<string> => {
  const [a, b, c, d] = octets(n) as [number, number, number, number];
  return fc
    .oneof(
      fc.tuple(inRadix(a), inRadix(b), inRadix(c), inRadix(d)).map((p) => p.join('.')),
      fc.tuple(inRadix(a), inRadix(b), inRadix(c * 256 + d)).map((p) => p.join('.')),
      fc.tuple(inRadix(a), inRadix(n & 0xffffff)).map((p) => p.join('.')),
      inRadix(n),
    )
    .chain((text) =>
      fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()).map(([dot, wide, encode]) => {
        let out = dot ? `${text}.` : text;
        // Full-width digits and ideographic full stops are mapped to ASCII by IDNA.
        if (wide)
          out = out.replace(/[0-9]/g, (ch) => String.fromCharCode(0xff10 + Number(ch))).replace(/\./g, '。');
        else if (encode) out = out.replace(/[0-9]/g, (ch) => `%${ch.charCodeAt(0).toString(16)}`);
        return out;
      }),
    );
};

/** IPv6 forms carrying an IPv4 address: mapped, compatible, translated, NAT64; dotted or hex tail. */
const v6CarryingV4 = (n: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(
        '::ffff:',
        '::',
        '::ffff:0:',
        '64:ff9b::',
        '0:0:0:0:0:ffff:',
        '0000:0000:0000:0000:0000:0000:',
      ),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([prefix, dotted, upper]) => {
      const tail = dotted ? octets(n).join('.') : `${hex16(n >>> 16)}:${hex16(n & 0xffff)}`;
      const text = prefix + tail;
      return `[${upper ? text.toUpperCase() : text}]`;
    });

/** Non-public IPv6 networks, written compressed, expanded, in capitals or with leading zeros. */
const PRIVATE_V6: [string, number][] = [
  ['::1', 128],
  ['::', 128],
  ['fe80::', 10],
  ['fc00::', 7],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
];
const privateV6Text = fc
  .tuple(
    fc.constantFrom(...PRIVATE_V6),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
  )
  .map(([[base, bits], random]) => {
    const parts = ipaddr.IPv6.parse(base).parts.map((p, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      return (p & mask) | (random[i]! & ~mask & 0xffff);
    });
    return new ipaddr.IPv6(parts);
  })
  .chain((addr) =>
    fc
      .constantFrom(
        addr.toString(),
        addr.toNormalizedString(),
        addr.parts.map((p) => p.toString(16).padStart(4, '0')).join(':'),
      )
      .chain((text) => fc.boolean().map((upper) => `[${upper ? text.toUpperCase() : text}]`)),
  );

const nonPublicHost = fc.oneof(privateV4.chain(v4Text), privateV4.chain(v6CarryingV4), privateV6Text);

describe('outbound address policy, against any textual form (property)', () => {
  it('never lets a non-public address through, however the URL writes it', () => {
    fc.assert(
      fc.property(nonPublicHost, fc.constantFrom('http', 'https'), (host, scheme) => {
        let url: URL;
        try {
          url = new URL(`${scheme}://${host}/mcp`);
        } catch {
          return; // not a URL: refused by the schema before any policy is asked
        }
        const literal = urlHost(url);
        // Every such form is an address literal once the URL parser has normalized it…
        expect([host, ipaddr.isValid(literal)]).toEqual([host, true]);
        // …and none of them is public.
        expect([host, closed.permits(literal)]).toEqual([host, false]);
      }),
      { numRuns: 5_000 },
    );
  });

  it('lets none of the link-local or metadata addresses through even when everything is allowed', () => {
    const linkLocal = fc.nat().map((r) => (169 * 256 + 254) * 65_536 + (r % 65_536));
    fc.assert(
      fc.property(fc.oneof(linkLocal.chain(v4Text), linkLocal.chain(v6CarryingV4)), (host) => {
        let url: URL;
        try {
          url = new URL(`http://${host}/`);
        } catch {
          return;
        }
        expect([host, everything.classify(urlHost(url))]).toEqual([host, 'forbidden']);
      }),
      { numRuns: 2_000 },
    );
  });
});
