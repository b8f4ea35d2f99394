import type { OutgoingHttpHeader } from 'node:http';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyReply } from 'fastify';
import { request } from 'undici';

/**
 * The helmet policy of this API: it serves JSON only, never HTML. Its Content-Security-Policy is
 * the strict one for an API (OWASP REST Security): nothing may load, nothing may frame it.
 * `useDefaults: false` keeps helmet's document defaults out — merged in, they loosened
 * `default-src 'none'` with `style-src 'self' https: 'unsafe-inline'`, `img-src data:`, `font-src`,
 * `script-src 'self'`, none of which a JSON response needs — and the header is 41 bytes instead of
 * 251 on every response. The dashboard and /docs pages send their own policies.
 */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

const NOT_SECURITY = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The security headers @fastify/helmet sends for HELMET_OPTIONS, computed once at start-up by
 * asking helmet itself (a throw-away Fastify instance on a loopback port, one request). They are static for this policy (no CSP
 * nonces), so the gateway sets them in one step per response instead of running helmet's
 * middleware chain on the hot path.
 */
export async function computeSecurityHeaders(
  options: FastifyHelmetOptions = HELMET_OPTIONS,
): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  probe.get('/', () => '');
  try {
    const url = await probe.listen({ port: 0, host: '127.0.0.1' });
    const res = await request(url, { method: 'GET' });
    await res.body.dump();
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (!NOT_SECURITY.has(name) && typeof value === 'string') out[name] = value;
    }
    return out;
  } finally {
    await probe.close();
  }
}

const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The headers every answer of the gateway carries: the security headers and its X-Request-Id.
 * Answers Fastify sends are stamped one `reply.header()` each (`stamp`: the auth hook, on every
 * route but those that write their own heads, and on those routes their own `onSend`); an answer
 * whose head the gateway writes itself (the MCP proxy's) starts from `head()`, a prebuilt flat
 * `[name, value, …]` list that `res.writeHead()` takes as it is — no thirteen stores into the
 * reply's header object copied back out by `reply.getHeaders()`.
 */
export class AnswerHeaders {
  /** Every name this sets (lower-case): an upstream's header of one of these never goes out. */
  readonly names: ReadonlySet<string>;
  private readonly securityNames: readonly string[];
  private readonly securityValues: readonly string[];
  private readonly pairs: readonly string[];

  constructor(security: Readonly<Record<string, string>>) {
    this.securityNames = Object.keys(security).map((name) => name.toLowerCase());
    this.securityValues = Object.keys(security).map((name) => security[name]!);
    this.pairs = this.securityNames.flatMap((name, i) => [name, this.securityValues[i]!]);
    this.names = new Set([...this.securityNames, REQUEST_ID_HEADER]);
  }

  /** Sets them on a reply Fastify will send. */
  stamp(reply: FastifyReply, requestId: string): void {
    // One by one from fixed lists: `reply.headers(object)` lists the object's keys anew each time
    // and reads each through a megamorphic keyed load.
    const names = this.securityNames;
    const values = this.securityValues;
    for (let i = 0; i < names.length; i++) reply.header(names[i]!, values[i]);
    reply.header(REQUEST_ID_HEADER, requestId);
  }

  /** A fresh head that starts with them, for `res.writeHead()`; append the answer's other headers. */
  head(requestId: string): OutgoingHttpHeader[] {
    const head: OutgoingHttpHeader[] = this.pairs.slice();
    head.push(REQUEST_ID_HEADER, requestId);
    return head;
  }
}
