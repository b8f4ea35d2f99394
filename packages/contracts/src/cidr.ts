import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
type Parsed = [IpAddress, number];

function normalize(addr: IpAddress): IpAddress {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

/**
 * Accepts `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). An IPv4-mapped range
 * with a prefix of at least 96 (`::ffff:10.0.0.0/104`) becomes the IPv4 range it stands for
 * (`10.0.0.0/8`), since addresses are compared after the same normalization (see `parseIp`).
 */
export function parseCidr(text: string): Parsed | null {
  try {
    if (!text.includes('/')) {
      const addr = normalize(ipaddr.parse(text));
      return [addr, addr.kind() === 'ipv4' ? 32 : 128];
    }
    const [range, bits] = ipaddr.parseCIDR(text);
    if (range.kind() === 'ipv6' && bits >= 96 && (range as ipaddr.IPv6).isIPv4MappedAddress()) {
      return [(range as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [range, bits];
  } catch {
    return null;
  }
}

export function isValidCidr(text: string): boolean {
  return parseCidr(text) !== null;
}

/** Parses an address; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) becomes its IPv4 address. */
export function parseIp(text: string): IpAddress | null {
  if (!ipaddr.isValid(text)) return null;
  return normalize(ipaddr.parse(text));
}

/** Whether every address of `inner` lies inside one of `outer`'s ranges. */
export function cidrWithin(outer: readonly string[], inner: string): boolean {
  const range = parseCidr(inner);
  if (range === null) return false;
  const [addr, bits] = range;
  return outer.some((text) => {
    const parsed = parseCidr(text);
    return (
      parsed !== null &&
      parsed[0].kind() === addr.kind() &&
      bits >= parsed[1] &&
      addr.match(parsed[0], parsed[1])
    );
  });
}

/** A compiled CIDR list; `matches` is cheap enough for the hot path. */
export class CidrList {
  private readonly ranges: Parsed[];

  constructor(cidrs: readonly string[]) {
    this.ranges = cidrs.map((c) => {
      const parsed = parseCidr(c);
      if (!parsed) throw new Error(`invalid CIDR: ${c}`);
      return parsed;
    });
  }

  get size(): number {
    return this.ranges.length;
  }

  matches(ip: string): boolean {
    const addr = parseIp(ip);
    return addr !== null && this.matchesAddress(addr);
  }

  /** Matches an address already parsed (and normalized) by `parseIp`. */
  matchesAddress(addr: IpAddress): boolean {
    return this.ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  }
}
