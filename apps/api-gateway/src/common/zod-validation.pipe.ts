import { Injectable, type PipeTransform, Query } from '@nestjs/common';
import { AppError, ErrorCode, paginationQuerySchema, zodDetails } from '@plexmcp/contracts';
import type { z } from 'zod';

/** Validates a body or query against its contract schema; failures are 400 `validation_error`. */
@Injectable()
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) {
      throw new AppError(ErrorCode.ValidationError, undefined, { details: zodDetails(result.error) });
    }
    return result.data;
  }
}

/** The `limit` / `cursor` query of a list route, validated (the parameter is a `PaginationQuery`). */
export const PageQuery = (): ParameterDecorator => Query(new ZodValidationPipe(paginationQuerySchema));
