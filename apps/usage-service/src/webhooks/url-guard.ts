import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { AppError, ErrorCode, parseIp } from '@plexmcp/contracts';

/**
 * Only globally routable unicast addresses may receive webhooks: private (RFC 1918, ULA),
 * loopback, link-local, carrier-grade NAT, multicast, unspecified, reserved and the like are
 * refused — at creation and again at delivery time, after DNS resolution, on the very address the
 * connection uses (so a DNS answer that changes between check and connect cannot slip through).
 */
export function isPublicAddress(address: string): boolean {
  const parsed = parseIp(address);
  return parsed !== null && parsed.range() === 'unicast';
}

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(host: string) {
    super(`${host} resolves to a private, loopback or otherwise non-public address`);
  }
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Refuses a webhook URL whose host is, or resolves to, a non-public address. */
export async function assertDeliverableUrl(rawUrl: string, allowPrivate: boolean): Promise<void> {
  const invalid = (message: string) =>
    new AppError(ErrorCode.ValidationError, 'Request validation failed', {
      details: [{ field: 'url', message }],
    });
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw invalid('must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be an http(s) URL');
  if (url.username || url.password) throw invalid('must not contain credentials');
  if (allowPrivate) return;
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw invalid('host does not resolve');
    }
  }
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
    throw invalid('must not point to a private, loopback or link-local address');
  }
}

/** A `lookup` for http.request that fails when any resolved address is not public. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      if (!allowPrivate && (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address)))) {
        return callback(new BlockedAddressError(hostname), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/** IP-literal hosts never go through `lookup`, so they are checked before connecting. */
export function assertLiteralHostAllowed(url: URL, allowPrivate: boolean): void {
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) && !isPublicAddress(host)) throw new BlockedAddressError(host);
}
