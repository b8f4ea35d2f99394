import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { MessagePattern, type NatsContext } from '@nestjs/microservices';
import type { MsgHdrs } from '@nats-io/transport-node';
import {
  AppError,
  ErrorCode,
  type ReencryptSecretsReply,
  type RpcReply,
  reencryptSecretsRequestSchema,
  zodDetails,
} from '@plexmcp/contracts';
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
 * A NATS RPC handler: `@RpcHandler(Subjects.keys.list, listKeysRequestSchema)` on a controller
 * method makes it the `@MessagePattern` handler of the subject and hands it the payload already
 * validated against its contract schema (a payload that does not match is a `validation_error`
 * reply, and the method is not called).
 */
export function RpcHandler<S extends z.ZodType>(subject: string, schema: S) {
  return <M extends (request: z.infer<S>) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    const handle = descriptor.value;
    if (handle === undefined) throw new Error(`@RpcHandler(${subject}) must decorate a method`);
    const validated = function (this: unknown, payload: unknown): unknown {
      return handle.call(this, parseRpc(schema, payload));
    };
    // Unhandled errors are logged by handler name (see RpcReplyInterceptor).
    Object.defineProperty(validated, 'name', { value: handle.name });
    descriptor.value = validated as M;
    MessagePattern(subject)(target, key, descriptor);
  };
}

/** A service that stores secrets at rest and can re-encrypt them under the current first key. */
export interface SecretsReencrypter {
  reencrypt(): Promise<ReencryptSecretsReply>;
}

/**
 * The controller of one internal `secrets reencrypt` subject (the CLI's, not the gateway's): runs
 * the service's re-encryption pass. `class McpSecretsController extends
 * ReencryptSecretsController(SecretsSubjects.mcpHeaders, McpSecretsService) {}`.
 */
export function ReencryptSecretsController(subject: string, service: Type<SecretsReencrypter>): Type {
  @Controller()
  class ReencryptController {
    constructor(@Inject(service) private readonly secrets: SecretsReencrypter) {}

    @RpcHandler(subject, reencryptSecretsRequestSchema)
    reencrypt(): Promise<ReencryptSecretsReply> {
      return this.secrets.reencrypt();
    }
  }
  return ReencryptController;
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
