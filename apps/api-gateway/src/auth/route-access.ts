import { RouteConfig } from '@nestjs/platform-fastify';
import type { Role, Scope } from '@plexmcp/contracts';
import type { FastifyContextConfig, FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

/**
 * What a route lets through, declared on the route itself and read by the auth hook on the route
 * the router matched — never on the raw URL, so every spelling the router accepts
 * (`/%761/…`, absolute-form targets) gets the same check. Deny by default: a route is public only
 * if it says so, and the gateway refuses to start with a route that declares nothing.
 */
export type RouteAccess =
  /** No credential: health, metrics, docs, the dashboard's files and its sign-in routes. */
  | { readonly public: true }
  /**
   * A valid key (Bearer, or a dashboard session standing for one). `scope`: the management scope
   * checked before the handler runs; `live`: the route reads or changes the organization's live
   * data, which test keys never touch. A route about one target (a key, an MCP) finishes the
   * decision in its handler with `authorize()` once it knows the target.
   */
  | { readonly public?: false; readonly scope?: Scope; readonly live?: boolean }
  /** Only a person signed in with at least this role (never an API key): the organization itself, its members. */
  | { readonly public?: false; readonly role: Role };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The matched route's config, once read (see routeConfigOf); null before. */
    routeConfig: RouteConfigOfRequest | null;
  }
}

/** A route's config as Fastify keeps it: what the route declared, plus its `url` pattern and method. */
export type RouteConfigOfRequest = FastifyContextConfig & { url?: string };

/**
 * The config of the route the router matched (its access, `mcpProxy`, its `url` pattern; no `url`
 * when none matched), read once per request: Fastify's `request.routeOptions` builds a new
 * object of a dozen properties on every read, and the hooks of one request ask five times.
 */
export function routeConfigOf(request: FastifyRequest): RouteConfigOfRequest {
  let config = request.routeConfig;
  if (config === null || config === undefined) {
    config = request.routeOptions.config;
    request.routeConfig = config;
  }
  return config;
}

/** No credential needed. */
export const PUBLIC: RouteAccess = Object.freeze({ public: true });
/** Any valid key; the handler decides about the target. */
export const AUTHENTICATED: RouteAccess = Object.freeze({});

/** Declares a Nest route's access (Fastify route config, read by the auth hook). */
export const Access = (access: RouteAccess) => RouteConfig({ access });

/** One row of the route table: what the authorization matrix test enumerates. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
}

/**
 * Collects every route as it is registered and fails the registration of any route without an
 * access declaration, so a route cannot be added without deciding who may call it.
 */
export function enforceRouteAccess(fastify: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (access === undefined) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no access: add Access(…) / config.access`,
      );
    }
    for (const method of methods) routes.push({ method, url: route.url, access });
  });
  return routes;
}
