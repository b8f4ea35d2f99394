import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { AppError, ErrorCode, type RpcReply, zodDetails } from '@plexmcp/contracts';
import type { NatsContext } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { type Observable, catchError, map, of, tap } from 'rxjs';
import type { z } from 'zod';
import type { RpcServerMetrics } from './metrics.js';

/** Validates an incoming NATS payload against its contract schema, or throws validation_error. */
export function parseRpc<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new AppError(ErrorCode.ValidationError, 'Request validation failed', {
      details: zodDetails(result.error),
    });
  }
  return result.data;
}

/**
 * Wraps every `@MessagePattern` result in the RpcReply envelope; typed errors cross as codes.
 * With `metrics`, times each reply by subject and outcome (`ok` or the error code).
 */
@Injectable()
export class RpcReplyInterceptor implements NestInterceptor {
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: RpcServerMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<RpcReply<unknown>> {
    const replies = next.handle().pipe(
      map((data: unknown): RpcReply<unknown> => ({ ok: true, data })),
      catchError((err: unknown) => of(this.toReply(err, context))),
    );
    const metrics = this.metrics;
    if (metrics === undefined) return replies;
    const subject = context.switchToRpc().getContext<NatsContext>().getSubject();
    const started = performance.now();
    return replies.pipe(
      tap((reply) =>
        metrics.observe(subject, reply.ok ? 'ok' : reply.error.code, (performance.now() - started) / 1000),
      ),
    );
  }

  private toReply(err: unknown, context: ExecutionContext): RpcReply<unknown> {
    if (err instanceof AppError) {
      const error: Extract<RpcReply<unknown>, { ok: false }>['error'] = {
        code: err.code,
        message: err.message,
      };
      if (err.details) error.details = err.details;
      return { ok: false, error };
    }
    this.logger.error(
      { err, handler: `${context.getClass().name}.${context.getHandler().name}` },
      'unhandled error in RPC handler',
    );
    return { ok: false, error: { code: ErrorCode.InternalError, message: 'Internal server error' } };
  }
}
