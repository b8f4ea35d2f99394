import type { IncomingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { AwaitingHeaders } from './header-deadlines.js';
import { Links } from './linked-list.js';
import type { OpenStream } from './open-streams.js';

/** Why the gateway itself ended an upstream request. */
export class ExchangeAbortedError extends Error {
  constructor(readonly why: 'deadline' | 'evicted' | 'client_gone') {
    super(`upstream request aborted: ${why}`);
    this.name = 'ExchangeAbortedError';
  }
}

export interface ExchangeParts {
  request: FastifyRequest;
  reply: FastifyReply;
  /** Epoch ms by which the upstream's headers must have arrived. */
  deadline: number;
  keyHash: string;
  orgId: string;
  keyId: string;
  mcpId: string;
  /** The upstream pool the exchange holds a place in (see UpstreamAdmission). */
  pool: object;
  /** The key's tool list for this MCP (responses are filtered to it), or null for every tool. */
  tools: readonly string[] | null;
  /** The header deadline passed: answer 504 unless headers came. */
  onExpire: (exchange: ProxyExchange) => void;
  /** The upstream's response head came (not a 1xx): where its body goes. */
  onResponse: (exchange: ProxyExchange, statusCode: number, headers: IncomingHttpHeaders) => Writable;
  /** The upstream request failed, before or after its head (aborts by the gateway included). */
  onFailure: (exchange: ProxyExchange, err: Error) => void;
}

/**
 * One proxied MCP exchange, from admission until the client's response closes. It is registered
 * in OpenStreams (closed on eviction of its key, organization or MCP) and in HeaderDeadlines
 * (504 when no headers came in time), and it is the undici dispatch handler of its upstream
 * request: the response body goes straight into the writable `onResponse` gives, with
 * backpressure, and `abortUpstream` aborts through the request's controller. Measured against
 * `Pool.stream()` with the exchange as abort signal, this spares each request a stream handler,
 * an async resource, an abort listener and the listeners `finished()` puts on the response.
 */
export class ProxyExchange implements OpenStream, AwaitingHeaders, Dispatcher.DispatchHandler {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly deadline: number;
  readonly keyHash: string;
  readonly orgId: string;
  readonly keyId: string;
  readonly mcpId: string;
  readonly pool: object;
  readonly tools: readonly string[] | null;
  readonly startedAt = performance.now();
  readonly openLinks = new Links<OpenStream>();
  readonly keyLinks = new Links<OpenStream>();
  readonly deadlineLinks = new Links<AwaitingHeaders>();
  /** abortUpstream ran: the upstream request is ended, or will be as soon as it is sent. */
  private aborted = false;
  private reason: ExchangeAbortedError | undefined;
  /** The gateway answered or dropped the client itself: later upstream callbacks change nothing. */
  settled = false;
  private readonly onExpire: ExchangeParts['onExpire'];
  private readonly onResponse: ExchangeParts['onResponse'];
  private readonly onFailure: ExchangeParts['onFailure'];
  /** The upstream request's controller while it runs (null before it is sent and once it ended). */
  private controller: Dispatcher.DispatchController | null = null;
  /** Where the response body goes, once its head came. */
  private sink: Writable | null = null;
  private ended = false;
  /** A chunk of the response body came (and went to its sink). */
  bodyStarted = false;

  constructor(parts: ExchangeParts) {
    this.request = parts.request;
    this.reply = parts.reply;
    this.deadline = parts.deadline;
    this.keyHash = parts.keyHash;
    this.orgId = parts.orgId;
    this.keyId = parts.keyId;
    this.mcpId = parts.mcpId;
    this.pool = parts.pool;
    this.tools = parts.tools;
    this.onExpire = parts.onExpire;
    this.onResponse = parts.onResponse;
    this.onFailure = parts.onFailure;
  }

  /** Ends the upstream request, wherever it is (queued, sending, streaming). */
  abortUpstream(why: ExchangeAbortedError['why']): void {
    if (this.aborted) return;
    this.aborted = true;
    // Once the upstream request ended there is nothing to abort, and the common case (a response
    // that ended normally) costs no Error and its stack trace.
    if (this.ended) return;
    this.reason = new ExchangeAbortedError(why);
    this.controller?.abort(this.reason);
  }

  /** Eviction: the decision that admitted this exchange no longer holds. */
  close(): void {
    this.settled = true;
    this.abortUpstream('evicted');
    this.reply.raw.destroy();
  }

  expire(): void {
    this.onExpire(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Aborted while queued for a connection: undici sends nothing.
    if (this.reason !== undefined) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return;
    this.sink = this.onResponse(this, statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.sink;
    if (sink === null || sink.destroyed) return;
    this.bodyStarted = true;
    if (!sink.write(chunk)) {
      controller.pause();
      sink.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.ended = true;
    this.controller = null;
    this.sink?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.ended = true;
    this.controller = null;
    const sink = this.sink;
    this.sink = null;
    // Mid-body: the client's response cannot become an error any more; it is cut off.
    if (sink !== null && !sink.destroyed) sink.destroy(err);
    this.onFailure(this, err);
  }
}
