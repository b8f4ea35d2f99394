import { AppError, ErrorCode } from '@plexmcp/contracts';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { CorsPolicy } from './cors.js';
import { sendError } from './envelope.js';

/**
 * Which methods each path of the gateway answers, matched the way Fastify's own router matches
 * (same router, same options: case-sensitive, no trailing-slash folding), so a path is "known"
 * here exactly when some method of it routes there. Filled by an `onRoute` hook as routes register.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false });
  private readonly methods = new Set<HTTPMethod>();
  private readonly seen = new Set<string>();

  /** Records every route registered on `fastify` from now on. */
  track(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) this.add(method.toUpperCase() as HTTPMethod, route.url);
    });
  }

  add(method: HTTPMethod, url: string): void {
    const id = `${method} ${url}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.methods.add(method);
    this.router.on(method, url, () => undefined);
  }

  /** The methods `path` (no query string) answers, in a stable order; empty for an unknown path. */
  allowed(path: string): HTTPMethod[] {
    const out: HTTPMethod[] = [];
    for (const method of this.methods) if (this.router.find(method, path) !== null) out.push(method);
    return out.sort();
  }
}

/**
 * `onRequest`, after the auth hook (which stamps the request id and, for a request no route
 * matched, does nothing else): a request the router did not match, on a path some other method
 * does match, is answered here instead of 404 —
 * - `OPTIONS`: 204 with `Allow`; a CORS preflight (Origin + Access-Control-Request-Method) also
 *   gets the CORS answer of `CORS_ORIGINS` (see cors.ts). Never 401: a preflight carries no key.
 * - any other method: 405 `method_not_allowed` with `Allow` (RFC 9110 §15.5.6).
 * `Allow` lists the path's methods with `HEAD` wherever `GET` is (Fastify answers it), plus
 * `OPTIONS`. A path no method matches stays a 404, whatever the method.
 */
export function createAllowedMethodsHook(routes: RouteMethods, cors: CorsPolicy) {
  return function allowedMethods(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    if (!request.is404) return done();
    const query = request.url.indexOf('?');
    const methods = routes.allowed(query === -1 ? request.url : request.url.slice(0, query));
    if (methods.length === 0) return done();
    const allow = [...methods, 'OPTIONS'].join(', ');
    reply.header('allow', allow);
    if (request.method === 'OPTIONS') {
      cors.preflight(request, reply, methods);
      void reply.code(204).send();
      return;
    }
    sendError(reply, new AppError(ErrorCode.MethodNotAllowed), request.requestId);
  };
}
