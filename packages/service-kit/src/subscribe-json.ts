import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { KitLogger } from './periodic-task.js';
import type { z } from 'zod';

export interface JsonSubscriptionOptions<S extends z.ZodType> {
  subject: string;
  /** The contracts schema every message must match. */
  schema: S;
  /** Instances in one queue group share the messages; without it every subscriber gets each one. */
  queue?: string;
  logger: KitLogger;
  /** Called with each valid message; a rejection is logged. `close()` waits for pending calls. */
  handle: (message: z.infer<S>, msg: Msg) => unknown;
  /**
   * Called instead of the default for a message that is not JSON or does not match the schema
   * (after it is logged). Default: the message is dropped.
   */
  onInvalid?: (msg: Msg) => void;
}

/**
 * A core-NATS subscription whose messages are JSON validated against a contracts schema: invalid
 * ones are logged (subject and zod issues, never the payload) and dropped, valid ones handed over
 * typed. Returned by `subscribeJson`.
 */
export class JsonSubscription {
  constructor(
    private readonly subscription: Subscription,
    /** Handler calls still running. */
    private readonly pending: ReadonlySet<Promise<void>>,
  ) {}

  /**
   * Stops receiving: the broker stops routing here, messages already delivered are still handled,
   * and it resolves once every handler call has settled.
   */
  async close(): Promise<void> {
    if (!this.subscription.isClosed()) await this.subscription.drain().catch(() => undefined);
    await this.subscription.closed.catch(() => undefined);
    await Promise.allSettled([...this.pending]);
  }
}

export function subscribeJson<S extends z.ZodType>(
  nc: NatsConnection,
  options: JsonSubscriptionOptions<S>,
): JsonSubscription {
  const { schema, logger, handle, onInvalid } = options;
  const pending = new Set<Promise<void>>();
  const sub = nc.subscribe(options.subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (err, msg) => {
      if (err) return;
      const parsed = decode(schema, msg);
      if (!parsed.success) {
        logger.warn(
          { subject: msg.subject, problem: parsed.problem },
          'dropped a message that does not match its contract',
        );
        onInvalid?.(msg);
        return;
      }
      const failed = (error: unknown) =>
        logger.error({ err: error, subject: msg.subject }, 'message handler failed');
      try {
        const result = handle(parsed.data, msg);
        if (result instanceof Promise) {
          const work = result.then(() => undefined, failed);
          pending.add(work);
          void work.finally(() => pending.delete(work));
        }
      } catch (error) {
        failed(error);
      }
    },
  });
  return new JsonSubscription(sub, pending);
}

function decode<S extends z.ZodType>(
  schema: S,
  msg: Msg,
): { success: true; data: z.infer<S> } | { success: false; problem: string } {
  let payload: unknown;
  try {
    payload = msg.json();
  } catch {
    return { success: false, problem: 'not JSON' };
  }
  const result = schema.safeParse(payload);
  if (result.success) return { success: true, data: result.data };
  return {
    success: false,
    problem: result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; '),
  };
}
