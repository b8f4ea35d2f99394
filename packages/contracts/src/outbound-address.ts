import ipaddr from 'ipaddr.js';
import { CidrList, type IpAddress, parseIp } from './cidr.js';

/**
 * Addresses no outbound connection (MCP upstream, webhook) may ever reach, whatever an allowlist
 * says: link-local networks, which hold the cloud metadata services (169.254.169.254 and
 * 169.254.170.2 among them), the other well-known metadata endpoints, and the unspecified
 * addresses (connecting to 0.0.0.0 or :: reaches this very host).
 */
export const FORBIDDEN_OUTBOUND_NETWORKS: readonly string[] = [
  '169.254.0.0/16', // IPv4 link-local: AWS, GCP, Azure, DigitalOcean, OpenStack metadata, ECS task roles
  'fe80::/10', // IPv6 link-local
  'fd00:ec2::254/128', // AWS instance metadata over IPv6
  'fd20:ce::254/128', // GCP metadata over IPv6
  '100.100.100.200/32', // Alibaba Cloud metadata
  '192.0.0.192/32', // Oracle Cloud legacy metadata
  '0.0.0.0/8', // "this host"
  '::/128', // unspecified
];

const forbidden = new CidrList(FORBIDDEN_OUTBOUND_NETWORKS);
const EVERYWHERE = ['0.0.0.0/0', '::/0'];

function ipv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * The IPv4 address an IPv6 address carries and stands for, or null: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`, RFC 2765), NAT64 with the well-known
 * prefix (`64:ff9b::a.b.c.d`, RFC 6052) and the deprecated IPv4-compatible form (`::a.b.c.d`,
 * RFC 4291; `::` and `::1` excepted, they are IPv6's own unspecified and loopback addresses).
 */
export function embeddedIpv4(addr: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = addr.parts;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  const [hi, lo] = [p[6]!, p[7]!];
  if (zeros(0, 5) && p[5] === 0xffff) return ipv4(hi, lo);
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return ipv4(hi, lo);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return ipv4(hi, lo);
  if (zeros(0, 6) && !(hi === 0 && lo <= 1)) return ipv4(hi, lo);
  return null;
}

/**
 * What an outbound connection to an address may do:
 * - `public`: globally routable unicast — allowed;
 * - `allowed`: not public, but inside the operator's allowed networks — allowed;
 * - `private`: loopback, private (RFC 1918, ULA), carrier-grade NAT, multicast, reserved, … — refused;
 * - `forbidden`: link-local, metadata or unspecified (`FORBIDDEN_OUTBOUND_NETWORKS`), or not an
 *   address at all — refused even inside the allowed networks.
 */
export type OutboundAddressVerdict = 'public' | 'allowed' | 'private' | 'forbidden';

/**
 * Decides which addresses outbound connections may reach. An IPv6 address that carries an IPv4
 * address (`embeddedIpv4`) is judged as that IPv4 address, so `[::127.0.0.1]`, `[::7f00:1]`,
 * `[::ffff:7f00:1]` and `[64:ff9b::7f00:1]` are all loopback. Pure: resolving names and guarding
 * sockets is service-kit's `outbound-guard`.
 */
export class OutboundAddressPolicy {
  private readonly allowed: CidrList;

  /** `allowedNetworks`: CIDRs that may be reached although not public (default none). */
  constructor(allowedNetworks: readonly string[] = []) {
    this.allowed = new CidrList(allowedNetworks);
  }

  /** Every address but the forbidden ones (e.g. WEBHOOK_ALLOW_PRIVATE_NETWORKS=true). */
  static allowingAll(): OutboundAddressPolicy {
    return new OutboundAddressPolicy(EVERYWHERE);
  }

  classify(address: string | IpAddress): OutboundAddressVerdict {
    const parsed = typeof address === 'string' ? parseIp(address) : address;
    if (parsed === null) return 'forbidden';
    const embedded = parsed.kind() === 'ipv6' ? embeddedIpv4(parsed as ipaddr.IPv6) : null;
    const effective = embedded ?? parsed;
    if (forbidden.matchesAddress(effective) || forbidden.matchesAddress(parsed)) return 'forbidden';
    if (effective.range() === 'unicast') return 'public';
    if (this.allowed.matchesAddress(effective) || this.allowed.matchesAddress(parsed)) return 'allowed';
    return 'private';
  }

  permits(address: string | IpAddress): boolean {
    const verdict = this.classify(address);
    return verdict === 'public' || verdict === 'allowed';
  }
}

/** The host of a URL as a connection sees it: an IPv6 literal without its brackets. */
export function urlHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
