// NatsRpcClient against a real NATS server: replies are decoded, remote errors keep their code,
// and every transport failure fails closed as service_unavailable.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { Writable } from 'node:stream';
import { AppError, DEFAULT_MESSAGES, ErrorCode, generateApiKey } from '@plexmcp/contracts';
import {
  NatsRpcClient,
  Tracing,
  connectNats,
  context,
  createLogger,
  trace,
  type NatsConnection,
} from '../src/index.js';
import { startIsolatedNats, type IsolatedNats } from '../src/testing/index.js';

let nats: IsolatedNats;
let server: NatsConnection;
let client: NatsConnection;
let rpc: NatsRpcClient;

/** Answers like a NestJS `@MessagePattern` handler wrapped by RpcReplyInterceptor. */
function respond(subject: string, reply: (data: unknown) => unknown): void {
  server.subscribe(subject, {
    callback: (_err, msg) => {
      const request = msg.json<{ id: string; data: unknown }>();
      msg.respond(JSON.stringify({ id: request.id, response: reply(request.data), isDisposed: true }));
    },
  });
}

beforeAll(async () => {
  nats = await startIsolatedNats();
  server = await connectNats(nats.url, 'rpc-test-server');
  client = await connectNats(nats.url, 'rpc-test-client');
  rpc = new NatsRpcClient(client, 1_000);
  respond('test.double', (data) => ({ ok: true, data: { value: (data as { value: number }).value * 2 } }));
  respond('test.missing', () => ({ ok: false, error: { code: 'not_found', message: 'No such thing' } }));
  respond('test.off-contract', () => ({ ok: true, data: { value: 'not a number' } }));
  server.subscribe('test.silent', { callback: () => undefined });
  await server.flush();
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  await nats?.stop();
});

const valueSchema = z.object({ value: z.number() });

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}

describe('NatsRpcClient', () => {
  it('returns the validated data of an ok reply', async () => {
    await expect(rpc.call('test.double', { value: 21 }, valueSchema)).resolves.toEqual({ value: 42 });
  });

  it('rethrows the remote typed error with its code and message', async () => {
    const err = await failure(rpc.call('test.missing', {}, valueSchema));
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.message).toBe('No such thing');
  });

  it('treats a reply that breaks the contract as an internal error', async () => {
    const err = await failure(rpc.call('test.off-contract', {}, valueSchema));
    expect(err.code).toBe(ErrorCode.InternalError);
  });

  it('fails closed with service_unavailable when nobody listens', async () => {
    const err = await failure(rpc.call('test.nobody', {}, valueSchema));
    expect(err.code).toBe(ErrorCode.ServiceUnavailable);
  });

  it('fails closed with service_unavailable when the handler never answers', async () => {
    const err = await failure(rpc.call('test.silent', {}, valueSchema, { timeoutMs: 200 }));
    expect(err.code).toBe(ErrorCode.ServiceUnavailable);
  });

  it('keeps the NATS failure as the cause: logged (scrubbed), never in the wire body', async () => {
    const err = await failure(rpc.call('test.silent', {}, valueSchema, { timeoutMs: 100 }));
    expect(err.cause).toBeInstanceOf(Error);
    const natsMessage = (err.cause as Error).message;
    expect(natsMessage).not.toBe('');

    const body = JSON.stringify(err.toBody('req_1'));
    expect(JSON.parse(body)).toEqual({
      code: ErrorCode.ServiceUnavailable,
      message: DEFAULT_MESSAGES[ErrorCode.ServiceUnavailable],
      request_id: 'req_1',
    });
    expect(body).not.toContain(natsMessage);

    const lines: string[] = [];
    const logger = createLogger(
      'rpc-test',
      'info',
      'json',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const key = generateApiKey('live');
    logger.error(
      {
        err: new AppError(ErrorCode.ServiceUnavailable, undefined, {
          cause: new Error(`${natsMessage} for ${key}`),
        }),
      },
      'call failed',
    );
    const logged = JSON.parse(lines.join('')) as { err: { code: string; cause: { message: string } } };
    expect(logged.err.code).toBe(ErrorCode.ServiceUnavailable);
    expect(logged.err.cause.message).toContain(natsMessage);
    expect(lines.join('')).not.toContain(key);
  });

  describe('an idempotent call whose first attempt is lost', () => {
    // A queue group of two instances, one of which takes a request and dies without answering
    // (SIGKILL mid-request: the server drops its subscription), so the retry reaches the live one.
    let dead: NatsConnection;
    const attempts = { dead: 0, live: 0 };

    beforeAll(async () => {
      dead = await connectNats(nats.url, 'rpc-test-dead');
      dead.subscribe('test.group', { queue: 'svc', max: 1, callback: () => void (attempts.dead += 1) });
      server.subscribe('test.group', {
        queue: 'svc',
        callback: (_err, msg) => {
          attempts.live += 1;
          const request = msg.json<{ id: string }>();
          msg.respond(
            JSON.stringify({ id: request.id, response: { ok: true, data: { value: 7 } }, isDisposed: true }),
          );
        },
      });
      await dead.flush();
      await server.flush();
    });

    afterAll(async () => {
      await dead?.close();
    });

    it('is answered by the other instance within the same deadline', async () => {
      // Deliveries within a queue group are random: call until the dying instance took one.
      for (let i = 0; i < 50 && attempts.dead === 0; i++) {
        const started = Date.now();
        await expect(
          rpc.call('test.group', {}, valueSchema, { timeoutMs: 400, idempotent: true }),
        ).resolves.toEqual({ value: 7 });
        expect(Date.now() - started).toBeLessThan(400 + 100);
      }
      expect(attempts.dead).toBe(1);
    });

    it('is not retried when the call is not idempotent', async () => {
      const silent = await connectNats(nats.url, 'rpc-test-silent-member');
      silent.subscribe('test.group', { queue: 'svc', max: 1, callback: () => undefined });
      await silent.flush();
      try {
        const outcomes: PromiseSettledResult<unknown>[] = [];
        for (let i = 0; i < 50 && !outcomes.some((o) => o.status === 'rejected'); i++) {
          outcomes.push(
            ...(await Promise.allSettled([rpc.call('test.group', {}, valueSchema, { timeoutMs: 200 })])),
          );
        }
        expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
      } finally {
        await silent.close();
      }
    });

    it("carries the caller's traceparent in both attempts", async () => {
      const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
      const seen: (string | undefined)[] = [];
      const sub = server.subscribe('test.traced', {
        callback: (_err, msg) => {
          seen.push(msg.headers?.get('traceparent'));
          if (seen.length === 1) return; // the first attempt is lost
          const request = msg.json<{ id: string }>();
          msg.respond(
            JSON.stringify({ id: request.id, response: { ok: true, data: { value: 1 } }, isDisposed: true }),
          );
        },
      });
      await server.flush();
      try {
        // Tracing not recording (no OTLP endpoint): the incoming trace is passed on as it came.
        const traced = new NatsRpcClient(client, 1_000, Tracing.fromEnv('rpc-test', {}));
        const incoming = trace.setSpanContext(context.active(), {
          traceId: TRACE_ID,
          spanId: '00f067aa0ba902b7',
          traceFlags: 1,
        });
        await expect(
          context.with(incoming, () =>
            traced.call('test.traced', {}, valueSchema, { timeoutMs: 400, idempotent: true }),
          ),
        ).resolves.toEqual({ value: 1 });
        expect(seen).toEqual([`00-${TRACE_ID}-00f067aa0ba902b7-01`, `00-${TRACE_ID}-00f067aa0ba902b7-01`]);
      } finally {
        sub.unsubscribe();
      }
    });

    it('still fails closed when no instance answers either attempt', async () => {
      const started = Date.now();
      const err = await failure(
        rpc.call('test.silent', {}, valueSchema, { timeoutMs: 300, idempotent: true }),
      );
      expect(err.code).toBe(ErrorCode.ServiceUnavailable);
      expect(Date.now() - started).toBeLessThan(300 + 150);
    });
  });
});
