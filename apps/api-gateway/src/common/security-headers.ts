import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
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
