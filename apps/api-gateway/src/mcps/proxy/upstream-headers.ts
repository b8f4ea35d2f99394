import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/**
 * Never sent upstream as the client wrote them: hop-by-hop headers (RFC 9110 §7.6.1), the client's
 * credentials for the gateway, headers the gateway writes itself (request id, the upstream's own
 * session id, the forwarding set below), and every claim a client can make about its own address.
 */
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
  'mcp-session-id',
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
]);
const FORWARDED_PREFIX = 'x-forwarded-';

/**
 * Never passed from the upstream to the client: hop-by-hop headers, and what would act on the
 * gateway's own origin rather than on the MCP exchange — cookies (an upstream must not set or
 * clear cookies of the gateway's site, where the dashboard session lives), Alt-Svc (would send
 * the client's later requests for this origin elsewhere), Clear-Site-Data. `Mcp-Session-Id` is
 * replaced by the gateway's signed id.
 */
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
  'set-cookie',
  'set-cookie2',
  'alt-svc',
  'clear-site-data',
  'mcp-session-id',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  // What nearly every client and server sends: no header named to strip.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive')
    return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0 && t !== 'close' && t !== 'keep-alive');
  return tokens.length > 0 ? new Set(tokens) : null;
}

/** Who the upstream is serving, as the gateway itself established it. */
export interface ForwardedFor {
  /** The client IP as resolved by ClientIpResolver (TRUSTED_PROXIES honoured); null if unknown. */
  clientIp: string | null;
  /** `https` when the client reached the gateway over TLS (or a trusted proxy says so). */
  proto: 'http' | 'https';
  /** The Host the client asked for. */
  host: string | undefined;
}

export interface UpstreamRequestContext {
  requestId: string;
  forwarded: ForwardedFor;
  /** The upstream's own session id, unwrapped from the client's signed one. */
  sessionId?: string | undefined;
  /** `traceparent` (and `tracestate`) of the gateway's span, when tracing records. */
  trace?: Readonly<Record<string, string>> | undefined;
  /** Ask for an uncompressed response: the gateway must read it (a key's tool list filters it). */
  identityEncoding?: boolean;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** An RFC 7239 value: a token as is, anything else as a quoted-string. */
function forwardedValue(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The last `Forwarded` value built, and what it was built of. A gateway's requests come mostly
 * from few clients asking for one Host (a `host:port` is quoted, the regex and the escaping each
 * time): the same value is used again, already flat, which undici checks and writes as it is.
 */
let lastForwarded: { clientIp: string | null; host: string | undefined; proto: string; value: string } = {
  clientIp: null,
  host: undefined,
  proto: '',
  value: '',
};

/** RFC 7239 `Forwarded`: `for=198.51.100.7;host=gw.example;proto=https`, IPv6 as `"[2001:db8::1]"`. */
export function forwardedHeader(forwarded: ForwardedFor): string {
  const { clientIp: ip, host, proto } = forwarded;
  const last = lastForwarded;
  if (last.clientIp === ip && last.host === host && last.proto === proto) return last.value;
  const node = ip === null ? 'unknown' : ip.includes(':') ? `"[${ip}]"` : ip;
  let out = `for=${node}`;
  if (host !== undefined && host.length > 0) out += `;host=${forwardedValue(host)}`;
  const value = `${out};proto=${proto}`;
  lastForwarded = { clientIp: ip, host, proto, value };
  return value;
}

/** Lower-cased names of an MCP's configured headers, per configuration object (routes are cached). */
const configuredNames = new WeakMap<object, ReadonlySet<string>>();

function namesOf(configured: Readonly<Record<string, string>>): ReadonlySet<string> {
  let names = configuredNames.get(configured);
  if (names === undefined) {
    names = new Set(Object.keys(configured).map((name) => name.toLowerCase()));
    configuredNames.set(configured, names);
  }
  return names;
}

/** Whether the gateway sends a header of this (lower-case) name itself: its span's, or its encoding. */
function gatewayReplaces(name: string, context: UpstreamRequestContext): boolean {
  return (
    (context.trace !== undefined && context.trace[name] !== undefined) ||
    (context.identityEncoding === true && name === 'accept-encoding')
  );
}

/**
 * The headers sent upstream, as undici's flat `[name, value, name, value, …]` list (no object
 * built with a dozen dynamic keys, none listed again by undici): the client's end-to-end headers
 * (MCP-Protocol-Version, Accept, Content-Type, Last-Event-ID, …) without hop-by-hop headers,
 * without the client's Authorization or Cookie, and without anything the client claims about its
 * address (X-Forwarded-*, Forwarded, X-Real-IP, …); then the MCP's own configured headers, which
 * replace the client's of the same name; then what the gateway vouches for itself: its request
 * id, `Forwarded` and `X-Forwarded-For/-Proto/-Host` with the client IP it resolved, and the
 * upstream's own session id. The client's `traceparent` passes as is unless the gateway records a
 * span of its own, whose `trace` headers replace it. Every name is sent once.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  configured: Readonly<Record<string, string>>,
  context: UpstreamRequestContext,
): string[] {
  const extra = connectionTokens(client.connection);
  const own = namesOf(configured);
  const { trace, forwarded } = context;
  const identity = context.identityEncoding === true;
  const out: string[] = [];
  for (const name in client) {
    const value = client[name];
    if (value === undefined || NEVER_FORWARDED_UPSTREAM.has(name) || name.startsWith(FORWARDED_PREFIX))
      continue;
    if (extra !== null && extra.has(name)) continue;
    // Replaced below: by the MCP's configuration, the gateway's span or its encoding.
    if ((own.size > 0 && own.has(name)) || gatewayReplaces(name, context)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const one of value) out.push(name, one);
  }
  for (const name in configured) {
    const lower = name.toLowerCase();
    if (!gatewayReplaces(lower, context)) out.push(lower, configured[name]!);
  }
  out.push('x-request-id', context.requestId, 'forwarded', forwardedHeader(forwarded));
  if (forwarded.clientIp !== null) out.push('x-forwarded-for', forwarded.clientIp);
  out.push('x-forwarded-proto', forwarded.proto);
  if (forwarded.host !== undefined) out.push('x-forwarded-host', forwarded.host);
  if (context.sessionId !== undefined) out.push('mcp-session-id', context.sessionId);
  if (trace !== undefined) for (const name in trace) out.push(name, trace[name]!);
  if (identity) out.push('accept-encoding', 'identity');
  return out;
}

/**
 * The upstream's response headers without hop-by-hop ones and without those that would act on
 * the gateway's origin, appended to the gateway's own: a header the gateway sets (`fixed`, the
 * names every answer carries: security headers, X-Request-Id; `own`, the reply's others:
 * RateLimit-*, CORS, traceparent) is never overridden by the upstream. The upstream's session id
 * goes out as `wrapSessionId` makes it. `head` is the answer's head so far, the flat
 * `[name, value, …]` list `res.writeHead()` takes: filled in and returned, not copied.
 */
export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  head: OutgoingHttpHeader[],
  fixed: ReadonlySet<string>,
  own: OutgoingHttpHeaders,
  wrapSessionId: (upstreamId: string) => string,
): OutgoingHttpHeader[] {
  const extra = connectionTokens(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (
      value === undefined ||
      fixed.has(name) ||
      own[name] !== undefined ||
      NEVER_FORWARDED_DOWNSTREAM.has(name)
    )
      continue;
    if (extra !== null && extra.has(name)) continue;
    head.push(name, value);
  }
  const session = upstream['mcp-session-id'];
  if (session !== undefined) {
    head.push('mcp-session-id', Array.isArray(session) ? session.map(wrapSessionId) : wrapSessionId(session));
  }
  return head;
}
