// subscribeJson against the local NATS server: messages that are not JSON or break the contract
// are logged and dropped, valid ones reach the handler typed, and close() waits for handlers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { randomBase62 } from '@plexmcp/contracts';
import { connectNats, subscribeJson, type NatsConnection } from '../src/index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let publisher: NatsConnection;
let subscriber: NatsConnection;

beforeAll(async () => {
  publisher = await connectNats(NATS_URL, 'subscribe-json-test-pub');
  subscriber = await connectNats(NATS_URL, 'subscribe-json-test-sub');
});

afterAll(async () => {
  await publisher?.close();
  await subscriber?.close();
});

const pingSchema = z.object({ type: z.literal('ping'), n: z.number().int() });

function recordingLogger(): {
  warn: (obj: Record<string, unknown>, msg: string) => void;
  error: (obj: Record<string, unknown>, msg: string) => void;
  lines: Array<{ obj: Record<string, unknown>; msg: string }>;
} {
  const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ obj, msg }),
    error: (obj, msg) => lines.push({ obj, msg }),
  };
}

describe('subscribeJson', () => {
  it('drops and logs invalid messages and delivers valid ones, in order', async () => {
    const subject = `test.subscribe-json.${randomBase62(12)}`;
    const logger = recordingLogger();
    const received: Array<z.infer<typeof pingSchema>> = [];
    const invalid: string[] = [];
    const subscription = subscribeJson(subscriber, {
      subject,
      schema: pingSchema,
      logger,
      handle: (ping) => void received.push(ping),
      onInvalid: (msg) => invalid.push(msg.string()),
    });
    await subscriber.flush();

    publisher.publish(subject, 'not json {');
    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 'one' }));
    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 1 }));
    await publisher.flush();
    await subscription.close();

    expect(received).toEqual([{ type: 'ping', n: 1 }]);
    expect(invalid).toEqual(['not json {', JSON.stringify({ type: 'ping', n: 'one' })]);
    expect(logger.lines.map((l) => l.obj.problem)).toEqual(['not JSON', expect.stringContaining('n:')]);
    expect(logger.lines.every((l) => l.obj.subject === subject)).toBe(true);
  });

  it('close() stops delivery and waits for a handler still running', async () => {
    const subject = `test.subscribe-json.${randomBase62(12)}`;
    let finished = 0;
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const subscription = subscribeJson(subscriber, {
      subject,
      schema: pingSchema,
      logger: recordingLogger(),
      handle: async () => {
        started();
        await blocked;
        finished += 1;
      },
    });
    await subscriber.flush();
    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 1 }));
    await publisher.flush();
    await running;

    let closed = false;
    const closing = subscription.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toBe(1);

    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 2 }));
    await publisher.flush();
    await subscriber.flush();
    expect(finished).toBe(1);
  });

  it('logs a handler that fails and keeps delivering', async () => {
    const subject = `test.subscribe-json.${randomBase62(12)}`;
    const logger = recordingLogger();
    const seen: number[] = [];
    const subscription = subscribeJson(subscriber, {
      subject,
      schema: pingSchema,
      logger,
      handle: (ping) => {
        seen.push(ping.n);
        return ping.n === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
    });
    await subscriber.flush();
    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 1 }));
    publisher.publish(subject, JSON.stringify({ type: 'ping', n: 2 }));
    await publisher.flush();
    await subscription.close();
    expect(seen).toEqual([1, 2]);
    expect(logger.lines.map((l) => l.msg)).toEqual(['message handler failed']);
  });
});
