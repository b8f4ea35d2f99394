import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestError } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { z } from 'zod';
import {
  NatsRpcClient,
  RpcReplyInterceptor,
  connectNats,
  createLogger,
  createNatsMicroservice,
} from '../src/index.js';
import { type IsolatedNats, startIsolatedNats, waitFor } from '../src/testing/index.js';

/** A handler the test holds open, to stop the service while a request is in flight. */
const gate: { started: number; release: () => void; opened: Promise<void> } = {
  started: 0,
  release: () => undefined,
  opened: Promise.resolve(),
};

@Controller()
class SlowController {
  @MessagePattern('test.slow')
  async slow(): Promise<{ done: true }> {
    gate.started++;
    await gate.opened;
    return { done: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

function isNoResponders(err: unknown): boolean {
  return err instanceof RequestError && err.isNoResponders();
}

describe('createNatsMicroservice with a shutdown grace', () => {
  let nats: IsolatedNats;
  beforeAll(async () => {
    nats = await startIsolatedNats();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('closing answers the requests already in flight, and takes no new ones', async () => {
    const logger = createLogger('test', 'silent');
    const app = await createNatsMicroservice(SlowModule, {
      natsUrl: nats.url,
      queue: 'test',
      name: 'slow',
      logger,
      shutdownGraceMs: 5_000,
    });
    app.useGlobalInterceptors(new RpcReplyInterceptor(logger));
    await app.listen();
    const nc = await connectNats(nats.url, 'caller');
    const rpc = new NatsRpcClient(nc, 5_000);
    gate.opened = new Promise((resolve) => (gate.release = resolve));
    let closing: Promise<void> | undefined;
    try {
      const inFlight = Promise.all(
        [1, 2, 3].map(() => rpc.call('test.slow', {}, z.object({ done: z.literal(true) }))),
      );
      await waitFor(() => gate.started === 3, { message: 'three requests in the handler' });
      closing = app.close();
      // Once the drain reached the server, the subject has no responder any more: a new request is
      // refused at once with "no responders". (One sent before that may still be delivered and
      // handled — draining hands over what was already routed — and then times out here while
      // the gate is shut, which is not a refusal.)
      await waitFor(
        () =>
          rpc.call('test.slow', {}, z.unknown(), { timeoutMs: 200 }).then(
            () => false,
            (err: unknown) => err instanceof Error && isNoResponders(err.cause),
          ),
        { message: 'new requests to be refused with no responders' },
      );
      const admittedBeforeDrain = gate.started;
      gate.release();
      expect(await inFlight).toEqual([{ done: true }, { done: true }, { done: true }]);
      await closing;
      // Nothing reached the handler once the subject had no responder.
      expect(gate.started).toBe(admittedBeforeDrain);
    } finally {
      gate.release();
      await (closing ?? app.close()).catch(() => undefined);
      await nc.close();
    }
  });
});
