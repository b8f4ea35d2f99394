import { readFileSync } from 'node:fs';
import {
  type ConnectionOptions,
  RequestError,
  type RequestOptions,
  TimeoutError,
  connect,
  credsAuthenticator,
  headers,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  AppError,
  ErrorCode,
  type NatsRole,
  decodeRpcReply,
  encodeRpcRequest,
  natsInboxPrefix,
  randomBase62,
} from '@plexmcp/contracts';
import type { z } from 'zod';
import type { NatsAuth } from './config.js';
import { type Context, SpanKind, SpanStatusCode, Tracing, context, trace } from './tracing.js';

export type { NatsConnection };

/** Who connects and how: credentials (`natsAuthOf(config)`) and the role whose inboxes it uses. */
export interface NatsClientSettings {
  auth?: NatsAuth;
  /** Replies arrive under `_INBOX.<role>.`, the only inboxes the role's NATS user may read. */
  role?: NatsRole;
}

/**
 * The one place connection options are built, for every service connection (plain, Nest
 * microservice) and the CLI. `url` is `NATS_URL`: one server or a comma-separated cluster. The
 * client connects to any of them in random order (`noRandomize: false`, spreading connections
 * across the nodes), learns the rest of the cluster from the server it reaches
 * (`ignoreClusterUpdates: false`), and on a lost connection moves to another node.
 */
export function natsConnectOptions(
  url: string,
  name: string,
  settings: NatsClientSettings = {},
): ConnectionOptions {
  const { auth = {}, role } = settings;
  const credsFile = auth.credsFile;
  return {
    servers: url.split(',').map((s) => s.trim()),
    name,
    noRandomize: false,
    ignoreClusterUpdates: false,
    ...(role !== undefined ? { inboxPrefix: natsInboxPrefix(role) } : {}),
    ...(auth.user !== undefined ? { user: auth.user, pass: auth.password } : {}),
    ...(auth.token !== undefined ? { token: auth.token } : {}),
    // Read at every (re)connect, so a rotated creds file is picked up without a restart.
    ...(credsFile !== undefined ? { authenticator: credsAuthenticator(() => readFileSync(credsFile)) } : {}),
    ...(auth.tls !== undefined ? { tls: { ...auth.tls } } : {}),
  };
}

/** Connects with unlimited reconnects; the first connect also waits for the server to appear. */
export async function connectNats(
  url: string,
  name: string,
  settings: NatsClientSettings = {},
): Promise<NatsConnection> {
  return connect({
    ...natsConnectOptions(url, name, settings),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
}

export interface RpcCallOptions {
  /** The whole deadline of the call, a retry included. */
  timeoutMs?: number;
  /**
   * The handler may safely run twice (a read such as `keys.validate`): when the first attempt
   * times out or finds no responder — the instance that took it died, or was gone — it is sent
   * once more, which the queue group hands to another instance, within the same deadline. The
   * first attempt then gets half of the deadline.
   */
  idempotent?: boolean;
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
    let ctx = context.active();
    const span = this.tracing?.startSpan(subject, SpanKind.CLIENT, ctx) ?? null;
    if (span !== null) ctx = trace.setSpan(ctx, span);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const fail = (cause: unknown): AppError => {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'no reply' }).end();
      return new AppError(ErrorCode.ServiceUnavailable, undefined, { cause });
    };
    let raw: string;
    try {
      raw = await this.request(subject, body, options.idempotent ? Math.ceil(timeoutMs / 2) : timeoutMs, ctx);
    } catch (err) {
      const remainingMs = deadline - Date.now();
      if (!options.idempotent || !isLostRequest(err) || remainingMs <= 0) throw fail(err);
      try {
        raw = await this.request(subject, body, remainingMs, ctx);
      } catch (retryErr) {
        throw fail(retryErr);
      }
    }
    span?.end();
    return decodeRpcReply(raw, replySchema);
  }

  /** One attempt; the trace of `ctx` (if any) travels in its `traceparent` header. */
  private async request(subject: string, body: string, timeoutMs: number, ctx: Context): Promise<string> {
    const request: RequestOptions = { timeout: timeoutMs };
    if (trace.getSpanContext(ctx) !== undefined) {
      request.headers = headers();
      Tracing.injectNats(ctx, request.headers);
    }
    return (await this.nc.request(subject, body, request)).string();
  }
}

/** A request nobody answered: it timed out, or no instance was subscribed (no responders). */
function isLostRequest(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof RequestError && err.isNoResponders());
}
