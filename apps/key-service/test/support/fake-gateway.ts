import { type KeyEvent, Subjects, keyEventSchema } from '@plexmcp/contracts';
import { connectNats, type NatsConnection } from '@plexmcp/service-kit';

export interface ReceivedEvent {
  event: KeyEvent;
  subject: string;
  /** Whether the event asked for an acknowledgement. */
  wantsAck: boolean;
  ackedAt: number | null;
}

/**
 * Plays a gateway instance for the event protocol: heartbeats announce it, every `keys.events.*`
 * message is recorded and acknowledged (after `ackDelayMs`, as if evicting took that long).
 */
export class FakeGateway {
  readonly received: ReceivedEvent[] = [];
  private constructor(
    private readonly nc: NatsConnection,
    readonly instanceId: string,
    private readonly ackDelayMs: number,
  ) {}

  static async start(
    natsUrl: string,
    instanceId: string,
    { ackDelayMs = 0, acks = true } = {},
  ): Promise<FakeGateway> {
    const nc = await connectNats(natsUrl, instanceId);
    const gw = new FakeGateway(nc, instanceId, ackDelayMs);
    nc.subscribe(Subjects.keyEvents.wildcard, {
      callback: (_err, msg) => {
        const record: ReceivedEvent = {
          event: keyEventSchema.parse(msg.json()),
          subject: msg.subject,
          wantsAck: Boolean(msg.reply),
          ackedAt: null,
        };
        gw.received.push(record);
        if (!acks || !msg.reply) return;
        const ack = () => {
          record.ackedAt = Date.now();
          msg.respond(JSON.stringify({ instance_id: instanceId, evicted: true }));
        };
        if (ackDelayMs > 0) setTimeout(ack, ackDelayMs);
        else ack();
      },
    });
    await nc.flush();
    return gw;
  }

  async heartbeat(ttlMs = 10_000): Promise<void> {
    this.nc.publish(
      Subjects.gateway.heartbeat,
      JSON.stringify({ instance_id: this.instanceId, ttl_ms: ttlMs }),
    );
    await this.nc.flush();
  }

  /** Leaves like a real gateway: a last heartbeat with a 100 ms TTL, so changes stop waiting for it. */
  async stop(): Promise<void> {
    await this.heartbeat(100);
    await this.nc.close();
  }
}
