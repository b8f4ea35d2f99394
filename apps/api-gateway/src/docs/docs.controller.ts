import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PUBLIC, Access } from '../auth/route-access.js';
import { buildOpenApiDocument } from './openapi.js';

/** The API reference page: Swagger UI from the installed `swagger-ui-dist` (no CDN), on our document. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PlexMCP API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

/** Kept out of the page so the CSP needs no inline script. No validator badge: nothing leaves the page. */
const INIT = `window.ui = SwaggerUIBundle({
  url: '/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
  persistAuthorization: false
});
`;

/** The page loads only our own files; Swagger UI styles inline and draws icons from data: URIs. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  body: Buffer | string;
}

/** The files the page loads, read once: nothing else under /docs/assets is served. */
function loadAssets(): ReadonlyMap<string, Asset> {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const file = (name: string, type: string): [string, Asset] => [
    name,
    { type, body: readFileSync(join(dist, name)) },
  ];
  return new Map([
    file('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
    file('swagger-ui.css', 'text/css; charset=utf-8'),
    ['init.js', { type: 'text/javascript; charset=utf-8', body: INIT }],
  ]);
}

/**
 * `GET /docs`: the interactive API reference; `GET /docs/openapi.json`: the OpenAPI 3.1 document of
 * this API, generated from the route schemas. Public, like the API's shape itself.
 */
@Controller('docs')
export class DocsController {
  private document: Record<string, unknown> | undefined;
  private assets: ReadonlyMap<string, Asset> | undefined;

  @Get()
  @Access(PUBLIC)
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', PAGE_CSP)
  page(): string {
    return PAGE;
  }

  @Get('openapi.json')
  @Access(PUBLIC)
  openApi(): Record<string, unknown> {
    this.document ??= buildOpenApiDocument('1.0.0');
    return this.document;
  }

  @Get('assets/:file')
  @Access(PUBLIC)
  @Header('cache-control', 'public, max-age=3600')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    this.assets ??= loadAssets();
    const asset = this.assets.get(file);
    if (asset === undefined) throw new NotFoundException();
    void reply.type(asset.type);
    return asset.body;
  }
}
