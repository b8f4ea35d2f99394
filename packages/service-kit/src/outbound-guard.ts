import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { type OutboundAddressPolicy, type OutboundAddressVerdict, urlHost } from '@plexmcp/contracts';

/**
 * The I/O half of the outbound address guard (the policy itself is contracts'
 * `OutboundAddressPolicy`): resolving a URL's host to check it when a URL is registered, and
 * guarding the sockets that connect to it, so that the address a connection really uses is the one
 * checked — a DNS answer that changes between registration and connection (DNS rebinding) cannot
 * slip through. Used for MCP upstreams (key-service, api-gateway) and webhooks (usage-service).
 */

/** The refusal a guarded socket fails with (`code` `EBLOCKEDADDRESS`). Names no URL path or header. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly verdict: 'private' | 'forbidden',
  ) {
    super(
      `${host} resolves to ${address}, ${
        verdict === 'forbidden'
          ? 'a link-local, metadata or unspecified address'
          : 'a private, loopback or otherwise non-public address'
      }`,
    );
    this.name = 'BlockedAddressError';
  }
}

export type OutboundUrlCheck =
  | { ok: true; addresses: string[] }
  | { ok: false; reason: 'unresolvable' }
  | { ok: false; reason: 'private' | 'forbidden'; address: string };

export interface OutboundUrlCheckOptions {
  /** Name resolution (default `dns.lookup`, i.e. getaddrinfo, as sockets resolve). Tests inject one. */
  lookup?: LookupFunction;
  /** A name still unresolved after this long counts as unresolvable. Default 5000 ms. */
  timeoutMs?: number;
}

/** The refused address of a list (a forbidden one first), or null when the policy permits them all. */
function refusal(
  policy: OutboundAddressPolicy,
  addresses: readonly string[],
): { verdict: 'private' | 'forbidden'; address: string } | null {
  let found: { verdict: 'private' | 'forbidden'; address: string } | null = null;
  for (const address of addresses) {
    const verdict: OutboundAddressVerdict = policy.classify(address);
    if (verdict === 'forbidden') return { verdict, address };
    if (verdict === 'private') found ??= { verdict, address };
  }
  return found;
}

function resolveAll(lookup: LookupFunction, host: string, timeoutMs: number): Promise<string[] | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    timer.unref();
    lookup(host, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) resolve(null);
      else resolve(Array.isArray(addresses) ? addresses.map((a) => a.address) : [addresses]);
    });
  });
}

/**
 * Checks where a URL leads when it is registered: an address literal is judged as it is, a name
 * by every address it resolves to now (all must be permitted). A name that does not resolve is
 * reported as such; the caller decides whether that refuses the URL. The connection is checked
 * again, whatever this said, by `guardedLookup` and `assertConnectHostAllowed`.
 */
export async function checkOutboundUrl(
  url: URL,
  policy: OutboundAddressPolicy,
  options: OutboundUrlCheckOptions = {},
): Promise<OutboundUrlCheck> {
  const host = urlHost(url);
  const addresses = isIP(host)
    ? [host]
    : await resolveAll(options.lookup ?? dnsLookup, host, options.timeoutMs ?? 5_000);
  if (addresses === null || addresses.length === 0) return { ok: false, reason: 'unresolvable' };
  const refused = refusal(policy, addresses);
  return refused === null
    ? { ok: true, addresses }
    : { ok: false, reason: refused.verdict, address: refused.address };
}

/**
 * A `lookup` for `net.connect`/`http.request`/undici's connector that resolves as usual and fails
 * with `BlockedAddressError` unless the policy permits every address the name resolves to.
 * Sockets connecting to an address literal never call `lookup`: pair it with
 * `assertConnectHostAllowed`.
 */
export function guardedLookup(
  policy: OutboundAddressPolicy,
  lookup: LookupFunction = dnsLookup,
): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, '', 4);
      const addresses: LookupAddress[] = Array.isArray(result)
        ? result
        : [{ address: result, family: isIP(result) || 4 }];
      if (addresses.length === 0) {
        const none = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
        return callback(none, '', 4);
      }
      const refused = refusal(
        policy,
        addresses.map((a) => a.address),
      );
      if (refused !== null)
        return callback(new BlockedAddressError(hostname, refused.address, refused.verdict), '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * Throws `BlockedAddressError` when `hostname` — as a socket is about to connect to it, IPv6
 * without brackets — is an address literal the policy refuses. A name passes: its addresses are
 * checked by `guardedLookup` when the socket resolves it.
 */
export function assertConnectHostAllowed(hostname: string, policy: OutboundAddressPolicy): void {
  if (isIP(hostname) === 0) return;
  const verdict = policy.classify(hostname);
  if (verdict === 'private' || verdict === 'forbidden')
    throw new BlockedAddressError(hostname, hostname, verdict);
}
