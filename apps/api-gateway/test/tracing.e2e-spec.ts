import { type Server, createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import { type ScriptedUpstream, startScriptedUpstream } from './support/scripted-upstream.js';
import { actorOf, http, mcpRequest, startWorld, type World } from './support/world.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
}

/** A minimal OTLP/HTTP receiver (JSON encoding, as the http exporter sends it). */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[];
          }[];
        };
        for (const rs of payload.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
              });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing recorded (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let world: World | null = null;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  });
  afterAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    await world?.close();
    await receiver?.close();
  });

  it("the client's trace runs through the gateway's server span, its NATS client span, the key-service's server span and the upstream", async () => {
    world = await startWorld('tracing_on');
    const gateway = await world.startGateway();
    const admin = (await world.createOrg()).admin_key;

    // A key the gateway has not seen: it asks the key-service over NATS.
    const me = await http(gateway.url, '/v1/me', {
      key: admin.secret,
      headers: { traceparent: TRACEPARENT },
    });
    expect(me.status).toBe(200);
    const upstream = await startScriptedUpstream();
    const mcp = await world.createMcp(actorOf(admin), { upstream_url: `${upstream.origin}/json` });
    const proxied = await mcpRequest(gateway.url, mcp.id, admin.secret, { traceparent: TRACEPARENT });
    expect(proxied.status).toBe(200);
    await upstream.close();
    // Closing flushes every service's spans to the receiver.
    await world.close();
    world = null;

    const trace = receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const server = trace.find((s) => s.service === 'api-gateway' && s.kind === 2);
    expect(server).toMatchObject({ name: 'GET /v1/me', parentSpanId: CLIENT_SPAN_ID });
    // The answer names the trace the request ran in: the gateway's server span.
    expect(me.headers.get('traceparent')).toBe(`00-${TRACE_ID}-${server!.spanId}-01`);
    const client = trace.find((s) => s.service === 'api-gateway' && s.kind === 3);
    expect(client).toMatchObject({ name: Subjects.keys.validate, parentSpanId: server!.spanId });
    const handled = trace.find((s) => s.service === 'key-service' && s.kind === 2);
    expect(handled).toMatchObject({ name: Subjects.keys.validate, parentSpanId: client!.spanId });
    // The upstream's parent is the gateway's span of the proxied request, in the client's trace.
    const proxySpan = trace.find(
      (s) => s.service === 'api-gateway' && s.kind === 2 && s.name.startsWith('POST '),
    );
    const upstreamParent = upstream.seen[0]?.headers.traceparent;
    expect(upstreamParent).toBe(`00-${TRACE_ID}-${proxySpan!.spanId}-01`);
  });
});

describe('tracing not recorded (no OTLP endpoint)', () => {
  let world: World;
  let upstream: ScriptedUpstream;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    world = await startWorld('tracing_off');
  });
  afterEach(() => {
    upstream.seen.length = 0;
  });
  afterAll(async () => {
    await world?.close();
    await upstream?.close();
  });

  it("passes a client's traceparent unchanged to the key-service over NATS and to the upstream MCP", async () => {
    const gateway = await world.startGateway();
    const admin = (await world.createOrg()).admin_key;
    const mcp = await world.createMcp(actorOf(admin), { upstream_url: `${upstream.origin}/json` });
    const key = await world.createKey(actorOf(admin), { permissions: { mcps: [mcp.id] } });
    // A plain (non-queue) subscriber sees every key validation the gateway sends.
    const validations = world.nc.subscribe(Subjects.keys.validate);
    const seenOnNats: (string | undefined)[] = [];
    void (async () => {
      for await (const msg of validations) seenOnNats.push(msg.headers?.get('traceparent'));
    })();
    // The subscription is known to the server before the gateway sends anything.
    await world.nc.flush();

    const res = await mcpRequest(gateway.url, mcp.id, key.secret, { traceparent: TRACEPARENT });
    expect(res.status).toBe(200);
    expect(upstream.seen.map((s) => s.headers.traceparent)).toEqual([TRACEPARENT]);
    await waitFor(() => seenOnNats.length > 0, { message: 'the keys.validate request' });
    expect(seenOnNats).toEqual([TRACEPARENT]);
    validations.unsubscribe();
  });

  it('sends no trace header where the client sent none', async () => {
    const gateway = world.gateways[0]!;
    const admin = (await world.createOrg()).admin_key;
    const mcp = await world.createMcp(actorOf(admin), { upstream_url: `${upstream.origin}/json` });
    const key = await world.createKey(actorOf(admin), { permissions: { mcps: [mcp.id] } });
    const res = await mcpRequest(gateway.url, mcp.id, key.secret);
    expect(res.status).toBe(200);
    expect(upstream.seen.map((s) => s.headers.traceparent)).toEqual([undefined]);
  });
});
