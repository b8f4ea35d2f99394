import ipaddr from 'ipaddr.js';

type Parsed = [ipaddr.IPv4 | ipaddr.IPv6, number];

function normalize(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

/** Accepts `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Parsed | null {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const addr = normalize(ipaddr.parse(text));
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

export function isValidCidr(text: string): boolean {
  return parseCidr(text) !== null;
}

export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(text)) return null;
  return normalize(ipaddr.parse(text));
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
    if (!addr) return false;
    return this.ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  }
}
