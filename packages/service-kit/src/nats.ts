import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AppError, ErrorCode, decodeRpcReply, encodeRpcRequest, randomBase62 } from '@plexmcp/contracts';
import type { z } from 'zod';

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
 */
export class NatsRpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs: number,
  ) {}

  async call<T extends z.ZodType>(
    subject: string,
    payload: unknown,
    replySchema: T,
    options: RpcCallOptions = {},
  ): Promise<z.infer<T>> {
    const body = encodeRpcRequest(subject, payload, randomBase62(16));
    let raw: string;
    try {
      const msg = await this.nc.request(subject, body, {
        timeout: options.timeoutMs ?? this.defaultTimeoutMs,
      });
      raw = msg.string();
    } catch (err) {
      throw new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: err });
    }
    return decodeRpcReply(raw, replySchema);
  }
}
