import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AwaitingHeaders } from './header-deadlines.js';
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
}

/**
 * One proxied MCP exchange, from admission until the client's response closes. It is registered
 * in OpenStreams (closed on eviction of its key, organization or MCP) and in HeaderDeadlines
 * (504 when no headers came in time), and it is the abort signal of its upstream request: undici
 * takes any EventEmitter with `aborted`, `reason` and an `abort` event, which costs less per
 * request than an AbortController.
 */
export class ProxyExchange extends EventEmitter implements OpenStream, AwaitingHeaders {
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
  /** The signal's state, read by undici. */
  aborted = false;
  reason: ExchangeAbortedError | undefined;
  /** The gateway answered or dropped the client itself: later upstream callbacks change nothing. */
  settled = false;
  private readonly onExpire: (exchange: ProxyExchange) => void;

  constructor(parts: ExchangeParts) {
    super();
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
  }

  /** Ends the upstream request, wherever it is (queued, sending, streaming). */
  abortUpstream(why: ExchangeAbortedError['why']): void {
    if (this.aborted) return;
    this.aborted = true;
    // undici drops its listener once the exchange completed: then there is nothing to abort, and
    // the common case (a response that ended normally) costs no Error and its stack trace.
    if (this.listenerCount('abort') === 0) return;
    this.reason = new ExchangeAbortedError(why);
    this.emit('abort');
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
}
