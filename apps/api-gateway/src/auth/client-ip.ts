import { CidrList, parseIp } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';

function normalize(address: string): string {
  // Node reports IPv4 peers of a dual-stack socket as `::ffff:1.2.3.4`.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The client IP: the socket peer, or — when the peer is a trusted proxy (TRUSTED_PROXIES) — the
 * first address of `X-Forwarded-For` that is not itself trusted, walking from the right (the
 * entries on the left are whatever the client claimed and cannot be believed).
 */
export class ClientIpResolver {
  private readonly trusted: CidrList | null;

  constructor(trustedProxies: readonly string[]) {
    this.trusted = trustedProxies.length > 0 ? new CidrList(trustedProxies) : null;
  }

  /** The client IP of a request: its socket peer and `X-Forwarded-For`, as `resolve` reads them. */
  of(request: FastifyRequest): string | null {
    return this.resolve(request.raw.socket.remoteAddress, request.headers['x-forwarded-for']);
  }

  resolve(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string | null {
    const peer = socketAddress ? normalize(socketAddress) : null;
    if (this.trusted === null || peer === null || !this.trusted.matches(peer)) return peer;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    if (!header) return peer;
    const hops = header.split(',');
    let candidate = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (parseIp(hop) === null) return candidate; // garbage: stop at the last address we could trust
      candidate = normalize(hop);
      if (!this.trusted.matches(candidate)) return candidate;
    }
    return candidate;
  }
}
