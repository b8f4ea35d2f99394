import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus credentials that belong to the gateway, not upstream. */
const NEVER_FORWARDED_UPSTREAM = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // 100-continue was answered by this gateway already (Node does it); undici cannot send it anyway.
  'expect',
  'host',
  'authorization',
  'cookie',
  'x-request-id',
]);

const NEVER_FORWARDED_DOWNSTREAM = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-request-id',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0 && t !== 'close' && t !== 'keep-alive');
  return tokens.length > 0 ? new Set(tokens) : null;
}

/**
 * The headers sent upstream: the client's end-to-end headers (MCP-Protocol-Version,
 * Mcp-Session-Id, Accept, Content-Type, Last-Event-ID, …) without hop-by-hop headers and without
 * the client's Authorization or Cookie, then the MCP's own configured headers on top.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  configured: Readonly<Record<string, string>>,
  requestId: string,
): Record<string, string | string[]> {
  const extra = connectionTokens(client.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in client) {
    const value = client[name];
    if (value === undefined || NEVER_FORWARDED_UPSTREAM.has(name)) continue;
    if (extra !== null && extra.has(name)) continue;
    out[name] = value;
  }
  for (const name in configured) out[name.toLowerCase()] = configured[name]!;
  out['x-request-id'] = requestId;
  return out;
}

/** The upstream's response headers without hop-by-hop ones, merged over the gateway's own. */
export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  own: OutgoingHttpHeaders,
): OutgoingHttpHeaders {
  const extra = connectionTokens(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || NEVER_FORWARDED_DOWNSTREAM.has(name)) continue;
    if (extra !== null && extra.has(name)) continue;
    out[name] = value;
  }
  for (const name in own) {
    const value = own[name];
    if (value !== undefined && out[name] === undefined) out[name] = value;
  }
  out['x-request-id'] = own['x-request-id'];
  return out;
}
