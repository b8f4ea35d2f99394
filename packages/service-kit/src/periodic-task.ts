/** The part of a pino logger the service-kit helpers write to. */
export interface KitLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PeriodicTaskOptions {
  /** Names the task in log lines: `key sweep`, `usage rollup`. */
  name: string;
  intervalMs: number;
  /** One tick. A rejection (or throw) is logged and the loop goes on. */
  run: () => unknown;
  logger: Pick<KitLogger, 'warn'>;
  /** Tick once as soon as the task starts, not only after the first interval. Default false. */
  runOnStart?: boolean;
}

/**
 * The one periodic loop of every service: a tick every `intervalMs`, never two at once (a tick
 * falling due while the previous one still runs is skipped), errors logged rather than thrown, an
 * unref'd timer (a task never keeps a process alive), and `stop()` that awaits the tick in flight.
 * `trigger()` asks for a tick now; while one runs it queues exactly one more right after it.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions) {}

  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    if (this.options.runOnStart) void this.tick();
  }

  /** Whether a tick is running now. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /**
   * Runs a tick unless one is running; resolves when the running (or started) tick ends. After
   * `stop()` it does nothing.
   */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.current ??= this.runOnce().finally(() => {
      this.current = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.tick();
      }
    });
    return this.current;
  }

  /** A tick now, or, while one runs, one more as soon as it ends (coalesced: never more than one). */
  trigger(): void {
    if (this.stopped) return;
    if (this.current) this.again = true;
    else void this.tick();
  }

  /** No further ticks; resolves once the tick in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.current) await this.current;
  }

  private async runOnce(): Promise<void> {
    try {
      await this.options.run();
    } catch (err) {
      this.options.logger.warn({ err, task: this.options.name }, `${this.options.name} failed`);
    }
  }
}
