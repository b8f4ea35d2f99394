import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PUBLIC } from '../auth/route-access.js';
import { sendError } from '../common/envelope.js';

const DASHBOARD_PREFIX = '/dashboard';

/** Where `pnpm build` puts the dashboard, relative to this file in src/ or dist/. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

/**
 * The dashboard page's own policy (the API's is `default-src 'none'`): its scripts, styles and
 * fetches come from this origin only; inline style attributes are allowed for the charts' SVG.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite's hashed output under assets/: its name changes with its content. */
  immutable: boolean;
}

async function walk(
  dir: string,
  base = dir,
  out = new Map<string, StaticFile>(),
): Promise<Map<string, StaticFile>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(full, base, out);
      continue;
    }
    const rel = path.relative(base, full).split(path.sep).join('/');
    const body = await readFile(full);
    out.set(rel, {
      body,
      type: TYPES[path.extname(entry.name).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: rel.startsWith('assets/'),
    });
  }
  return out;
}

/**
 * Serves the built single-page app under /dashboard from memory (a few hundred KB, read once at
 * start-up): hashed assets with a one-year immutable cache, index.html revalidated every time and
 * returned for every other path below /dashboard (client-side routes). A path with a file
 * extension that does not exist is 404, so a missing script is not answered with HTML.
 */
export async function registerDashboard(
  fastify: FastifyInstance,
  options: { dir: string; logger: Logger },
): Promise<void> {
  const { dir, logger } = options;
  const files = existsSync(path.join(dir, 'index.html')) ? await walk(dir) : null;
  if (files === null) {
    logger.warn({ dir }, 'the dashboard is not built (run pnpm build); /dashboard answers 503');
  }

  const serve = (request: FastifyRequest, reply: FastifyReply, rel: string): FastifyReply => {
    if (files === null) {
      return sendError(
        reply,
        new AppError(ErrorCode.ServiceUnavailable, 'The dashboard is not built on this server'),
        request.requestId,
      );
    }
    let file = files.get(rel);
    if (file === undefined) {
      if (path.posix.extname(rel) !== '' || rel.startsWith('api/')) {
        return sendError(reply, new AppError(ErrorCode.NotFound), request.requestId);
      }
      file = files.get('index.html')!;
    }
    reply.header('content-security-policy', DASHBOARD_CSP);
    reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };

  const config = { access: PUBLIC };
  fastify.get(DASHBOARD_PREFIX, { config }, (_request, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`, 301));
  fastify.get(`${DASHBOARD_PREFIX}/*`, { config }, (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    return serve(request, reply, rel === '' ? 'index.html' : rel);
  });
}
