import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ServerNats, type WritePacket } from '@nestjs/microservices';
import type { Observable, Subscription as RxSubscription } from 'rxjs';

type NatsServerOptions = ConstructorParameters<typeof ServerNats>[0];

/**
 * Nest's NATS server, ready only once the broker knows its subscriptions, and stopping without
 * losing requests. Nest binds the subscriptions and reports the server listening at once; until
 * the broker has processed them a request finds no responder — so `listen()` here resolves only
 * after a round trip to the broker (flush), and a caller that saw `bootstrap()` return is served. On close it drains every subscription
 * (the broker stops routing to this instance and messages already delivered are still handled),
 * waits for in-flight handlers up to `graceMs`, flushes their replies, and only then closes.
 * Nest's own graceful mode unsubscribes instead, which drops messages already in the socket.
 */
export class DrainingServerNats extends ServerNats {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    options: NatsServerOptions,
    private readonly graceMs: number,
  ) {
    super(options);
  }

  /** Binds the handlers, then waits for the broker to acknowledge the subscriptions. */
  override start(callback: (err?: unknown) => void): void {
    super.start((err?: unknown) => {
      if (err !== undefined) return callback(err);
      this.unwrap<NatsConnection>()
        .flush()
        .then(
          () => callback(),
          (flushError: unknown) => callback(flushError),
        );
    });
  }

  /** From delivery until the handler's promise settles (it has then handed its stream to `send`). */
  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    return this.track(super.handleMessage(channel, natsMsg));
  }

  /** From the handler's response stream until its final reply packet has been published. */
  override send(
    stream$: Observable<unknown>,
    respond: (data: WritePacket) => Promise<unknown> | void,
  ): RxSubscription {
    let finished!: () => void;
    void this.track(new Promise<void>((resolve) => (finished = resolve)));
    return super.send(stream$, async (packet) => {
      try {
        return await respond(packet);
      } finally {
        if (packet.isDisposed) finished();
      }
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  override async close(): Promise<void> {
    const subscriptions = (this as unknown as { subscriptions: Subscription[] }).subscriptions;
    let connection: NatsConnection | null = null;
    try {
      connection = this.unwrap<NatsConnection>();
    } catch {
      // never connected
    }
    if (connection && !connection.isClosed()) {
      await Promise.allSettled(subscriptions.map((sub) => sub.drain()));
      const deadline = Date.now() + this.graceMs;
      while (this.inFlight.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...this.inFlight]),
          new Promise((resolve) => (timer = setTimeout(resolve, Math.max(1, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
      }
      // Replies are published on the next tick after a handler settles.
      await new Promise((resolve) => setImmediate(resolve));
      await connection.flush().catch(() => undefined);
    }
    await super.close();
  }
}
