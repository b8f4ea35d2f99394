import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { AppError, ErrorCode, type RpcReply, zodDetails } from '@plexmcp/contracts';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { NatsContext } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { type Observable, catchError, map, of, tap } from 'rxjs';
import type { z } from 'zod';
import type { RpcServerMetrics } from './metrics.js';
import { SpanKind, SpanStatusCode, Tracing } from './tracing.js';

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
 * With `metrics`, times each reply by subject and outcome (`ok` or the error code). With
 * `tracing` enabled, records each as a server span, child of the caller's `traceparent` header.
 */
@Injectable()
export class RpcReplyInterceptor implements NestInterceptor {
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: RpcServerMetrics,
    private readonly tracing?: Tracing,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<RpcReply<unknown>> {
    const replies = next.handle().pipe(
      map((data: unknown): RpcReply<unknown> => ({ ok: true, data })),
      catchError((err: unknown) => of(this.toReply(err, context))),
    );
    const { metrics, tracing } = this;
    if (metrics === undefined && !tracing?.enabled) return replies;
    const nats = context.switchToRpc().getContext<NatsContext>();
    const subject = nats.getSubject();
    const span =
      tracing?.startSpan(
        subject,
        SpanKind.SERVER,
        Tracing.extractNats(nats.getHeaders() as MsgHdrs | undefined),
      ) ?? null;
    const started = performance.now();
    return replies.pipe(
      tap((reply) => {
        metrics?.observe(subject, reply.ok ? 'ok' : reply.error.code, (performance.now() - started) / 1000);
        if (span === null) return;
        if (!reply.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error.code });
        span.end();
      }),
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
