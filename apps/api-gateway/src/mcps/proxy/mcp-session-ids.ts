import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const VERSION = 's1';
/** HKDF `info`: the session-id key is derived from the dashboard's session secret, never equal to it. */
const LABEL = 'plexmcp mcp-session-id v1';
const MAC_BYTES = 16;
/** Longest session id accepted from a client; anything longer names no session of ours. */
const MAX_PRESENTED = 4_096;

/**
 * MCP session ids bound to the key that opened them, with no shared state between gateways.
 *
 * The client never sees the upstream's `Mcp-Session-Id`: it gets `s1.<key id>.<upstream id in
 * base64url>.<MAC>`, where the MAC (HMAC-SHA256, 128 bits) covers the key id, the MCP id and the
 * upstream id, keyed by a secret every gateway derives alike from the session secret
 * (`SESSION_SECRET` / the shared data directory) with HKDF. On each request any gateway checks the
 * MAC against the presenting key and the MCP in the URL, and forwards only the upstream's own id.
 * A session id presented by another key (a revoked key's, another tenant's), for another MCP, or
 * altered in any way names no session: 404 `not_found`, the answer the MCP specification gives
 * for an unknown session, upon which a client starts a new one.
 *
 * Wrapping is deterministic, so the client sees one stable id per upstream session. A rotated key
 * is a new key id: sessions opened by the old key do not carry over.
 */
export class McpSessionIds {
  private readonly key: Buffer;

  constructor(sessionSecret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', sessionSecret, Buffer.alloc(0), LABEL, 32));
  }

  /** The id handed to the client for the upstream's `upstreamId`, for this key and MCP. */
  wrap(upstreamId: string, keyId: string, mcpId: string): string {
    const encoded = Buffer.from(upstreamId, 'utf8').toString('base64url');
    return `${VERSION}.${keyId}.${encoded}.${this.mac(keyId, mcpId, encoded).toString('base64url')}`;
  }

  /** The upstream's id if `presented` was issued to this key for this MCP; null otherwise. */
  unwrap(presented: string, keyId: string, mcpId: string): string | null {
    if (presented.length > MAX_PRESENTED) return null;
    const parts = presented.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION || parts[1] !== keyId) return null;
    const encoded = parts[2]!;
    const mac = Buffer.from(parts[3]!, 'base64url');
    if (mac.length !== MAC_BYTES || mac.toString('base64url') !== parts[3]) return null;
    if (!timingSafeEqual(mac, this.mac(keyId, mcpId, encoded))) return null;
    return Buffer.from(encoded, 'base64url').toString('utf8');
  }

  private mac(keyId: string, mcpId: string, encodedUpstreamId: string): Buffer {
    // Key and MCP ids have fixed alphabets without '\n', and the upstream id comes last: unambiguous.
    return createHmac('sha256', this.key)
      .update(`${VERSION}\n${keyId}\n${mcpId}\n${encodedUpstreamId}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
