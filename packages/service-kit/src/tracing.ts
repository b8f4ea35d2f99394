import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export { SpanKind, SpanStatusCode, context, trace };
export type { Context, Span };

let propagationInstalled = false;

/**
 * Installs, once per process, what carries a trace through a request even when nothing is
 * recorded: the AsyncLocalStorage context manager and the W3C `traceparent` propagator.
 */
function installPropagation(): void {
  if (propagationInstalled) return;
  propagationInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Reads and writes NATS message headers (`MsgHdrs` of the nats transport) as a text map. */
interface HeaderMap {
  get(name: string): string;
  set(name: string, value: string): void;
}
const natsSetter: TextMapSetter<HeaderMap> = { set: (carrier, key, value) => carrier.set(key, value) };
const natsGetter: TextMapGetter<HeaderMap> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: () => ['traceparent', 'tracestate'],
};

/**
 * OpenTelemetry tracing of one service: recording only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, the exporter reads
 * the other standard `OTEL_EXPORTER_OTLP_*` settings itself). Each service has its own provider
 * (several run in one test process), named `OTEL_SERVICE_NAME` or the service's own name.
 * Without an endpoint nothing is recorded, but an incoming `traceparent` is still propagated.
 */
export class Tracing {
  private constructor(
    /** Null when tracing is off. */
    private readonly provider: TracerProvider | null,
    readonly tracer: Tracer | null,
  ) {}

  static fromEnv(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
    installPropagation();
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (!endpoint) return new Tracing(null, null);
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
    });
    return new Tracing(provider, provider.getTracer(service));
  }

  get enabled(): boolean {
    return this.tracer !== null;
  }

  /** The context an incoming `traceparent` (HTTP headers) carries; ROOT when none or malformed. */
  static extractHttp(headers: Record<string, string | string[] | undefined>): Context {
    return propagation.extract(ROOT_CONTEXT, headers);
  }

  /** The context the `traceparent` of a NATS message carries. */
  static extractNats(headers: HeaderMap | undefined): Context {
    return headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers, natsGetter);
  }

  /** Writes the trace of `ctx` (if any) into NATS headers; false when there is none to carry. */
  static injectNats(ctx: Context, headers: HeaderMap): boolean {
    if (trace.getSpanContext(ctx) === undefined) return false;
    propagation.inject(ctx, headers, natsSetter);
    return true;
  }

  /** `traceparent` (and `tracestate`) naming `span` as the parent, as HTTP headers. */
  static httpHeaders(span: Span): Record<string, string> {
    const out: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), out);
    return out;
  }

  /** Starts a span under `parent` (enabled tracing only). */
  startSpan(name: string, kind: SpanKind, parent: Context): Span | null {
    return this.tracer === null ? null : this.tracer.startSpan(name, { kind }, parent);
  }

  /** Sends what is still buffered and stops recording. */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}
