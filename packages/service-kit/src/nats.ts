import { connect, headers, type NatsConnection, type RequestOptions } from '@nats-io/transport-node';
import { AppError, ErrorCode, decodeRpcReply, encodeRpcRequest, randomBase62 } from '@plexmcp/contracts';
import type { z } from 'zod';
import { SpanKind, SpanStatusCode, Tracing, context, trace } from './tracing.js';

export type { NatsConnection };

/** Connects with unlimited reconnects; the first connect also waits for the server to appear. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
}

export interface RpcCallOptions {
  timeoutMs?: number;
}

/**
 * Calls NestJS `@MessagePattern` handlers over a plain NATS connection (Nest's framing lives in
 * contracts). Any transport failure — no responders, timeout, closed connection — becomes a 503
 * `service_unavailable`: callers fail closed, never open.
 *
 * The caller's trace travels in the message's `traceparent` header: with `tracing` enabled, under
 * a client span of the call; otherwise the incoming trace as it came (nothing when there is none).
 */
export class NatsRpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs: number,
    private readonly tracing?: Tracing,
  ) {}

  async call<T extends z.ZodType>(
    subject: string,
    payload: unknown,
    replySchema: T,
    options: RpcCallOptions = {},
  ): Promise<z.infer<T>> {
    const body = encodeRpcRequest(subject, payload, randomBase62(16));
    const request: RequestOptions = { timeout: options.timeoutMs ?? this.defaultTimeoutMs };
    let ctx = context.active();
    const span = this.tracing?.startSpan(subject, SpanKind.CLIENT, ctx) ?? null;
    if (span !== null) ctx = trace.setSpan(ctx, span);
    if (trace.getSpanContext(ctx) !== undefined) {
      request.headers = headers();
      Tracing.injectNats(ctx, request.headers);
    }
    let raw: string;
    try {
      raw = (await this.nc.request(subject, body, request)).string();
    } catch (err) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'no reply' }).end();
      throw new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: err });
    }
    span?.end();
    return decodeRpcReply(raw, replySchema);
  }
}
