import { type Span, SpanKind, SpanStatusCode, Tracing, context, trace } from '@plexmcp/service-kit';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { routeConfigOf } from '../auth/route-access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's server span, while tracing records; null otherwise. */
    traceSpan: Span | null;
  }
}

/**
 * `onRequest` (before authentication, so its key-service calls are inside): the rest of the
 * request runs in the trace the client's `traceparent` names. Recording, that is a server span
 * named after the route pattern; not recording, only a request that carries a `traceparent` pays
 * anything, and its NATS calls carry it on unchanged (the upstream gets the client's header as is).
 * The answer carries `traceparent` too: the server span's when recording, else the client's own
 * (when it parses), so a client can find the trace its request ran in.
 */
export function createTracingHooks(tracing: Tracing) {
  const onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!tracing.enabled) {
      const header = request.headers.traceparent;
      if (header === undefined) return done();
      const parent = Tracing.extractHttp(request.headers);
      // Echoed only when it parses: a malformed one starts no trace and is not repeated.
      if (typeof header === 'string' && trace.getSpanContext(parent) !== undefined)
        reply.header('traceparent', header);
      context.with(parent, done);
      return;
    }
    const parent = Tracing.extractHttp(request.headers);
    const span = tracing.startSpan(
      `${request.method} ${routeConfigOf(request).url ?? 'unmatched'}`,
      SpanKind.SERVER,
      parent,
    )!;
    request.traceSpan = span;
    const traceparent = Tracing.httpHeaders(span).traceparent;
    if (traceparent !== undefined) reply.header('traceparent', traceparent);
    context.with(trace.setSpan(parent, span), done);
  };

  const onResponse = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const span = request.traceSpan;
    if (span !== null) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  };

  return { onRequest, onResponse };
}
