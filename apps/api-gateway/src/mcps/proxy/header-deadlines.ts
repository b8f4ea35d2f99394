import { LinkedList, type Links } from './linked-list.js';

/** An exchange waiting for the upstream's response headers. */
export interface AwaitingHeaders {
  /** Epoch milliseconds by which headers must have arrived. */
  readonly deadline: number;
  /** Called once when the deadline passes first. */
  expire(): void;
  /** Its place among the pending (see LinkedList). */
  readonly deadlineLinks: Links<AwaitingHeaders>;
}

/**
 * The upstream header deadline of every proxied request, measured from when the gateway received
 * it, and firing wherever the request is: waiting for a connection in the pool's queue, writing its
 * body, or waiting for the upstream. (undici's own `headersTimeout` starts only once a connection
 * is assigned, so a request queued behind busy connections never timed out.)
 *
 * One timer for all of them, ticking while any is pending, instead of a timer per request on the
 * proxy's hot path: a deadline fires within one tick (a twentieth of the timeout, 5–250 ms). The
 * pending are a linked list threaded through the entries, not a Set (see LinkedList for why).
 */
export class HeaderDeadlines {
  private readonly pending = new LinkedList<AwaitingHeaders>((entry) => entry.deadlineLinks);
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;

  constructor(timeoutMs: number) {
    this.tickMs = Math.min(250, Math.max(5, Math.floor(timeoutMs / 20)));
  }

  get size(): number {
    return this.pending.size;
  }

  add(entry: AwaitingHeaders): void {
    this.pending.add(entry);
    if (this.timer === null) {
      this.timer = setInterval(this.tick, this.tickMs);
      this.timer.unref();
    }
  }

  /** Headers arrived, or the exchange ended otherwise. */
  delete(entry: AwaitingHeaders): void {
    this.pending.delete(entry);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  private readonly tick = (): void => {
    const now = Date.now();
    for (const entry of this.pending.toArray()) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.expire();
      }
    }
    if (this.pending.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  };
}
