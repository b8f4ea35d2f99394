import { Controller, Get } from '@nestjs/common';
import { PUBLIC, Access } from '../auth/route-access.js';
import { buildOpenApiDocument } from './openapi.js';

/** `GET /docs`: the OpenAPI 3.1 document of this API, generated from the route schemas. */
@Controller('docs')
export class DocsController {
  private document: Record<string, unknown> | undefined;

  @Get()
  @Access(PUBLIC)
  openApi(): Record<string, unknown> {
    this.document ??= buildOpenApiDocument('1.0.0');
    return this.document;
  }
}
