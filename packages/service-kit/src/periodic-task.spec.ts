import { describe, expect, it } from '@jest/globals';
import { PeriodicTask } from './periodic-task.js';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves once `condition` holds, polling every few ms; fails the test after `ms`. */
async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function recordingLogger(): { warn: (obj: unknown, msg: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_obj, msg) => lines.push(msg) };
}

describe('PeriodicTask', () => {
  it('never starts a tick while the previous one still runs', async () => {
    let active = 0;
    let maxActive = 0;
    let ticks = 0;
    const slow = gate();
    const task = new PeriodicTask({
      name: 'slow task',
      intervalMs: 5,
      logger: recordingLogger(),
      run: async () => {
        active += 1;
        ticks += 1;
        maxActive = Math.max(maxActive, active);
        if (ticks === 1) await slow.promise;
        active -= 1;
      },
    });
    task.start();
    await until(() => ticks === 1);
    // Many intervals pass while the first tick hangs: none of them starts another tick.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ticks).toBe(1);
    slow.open();
    await until(() => ticks >= 3);
    await task.stop();
    expect(maxActive).toBe(1);
  });

  it('stop() waits for the running tick and no tick starts after it', async () => {
    const release = gate();
    let started = 0;
    let finished = 0;
    const task = new PeriodicTask({
      name: 'task',
      intervalMs: 5,
      logger: recordingLogger(),
      run: async () => {
        started += 1;
        await release.promise;
        finished += 1;
      },
    });
    task.start();
    await until(() => started === 1);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(started).toBe(1);
    task.trigger();
    expect(task.running).toBe(false);
  });

  it('logs a failing tick and keeps ticking', async () => {
    const logger = recordingLogger();
    let ticks = 0;
    const task = new PeriodicTask({
      name: 'flaky sweep',
      intervalMs: 5,
      logger,
      run: () => {
        ticks += 1;
        if (ticks <= 2) throw new Error(`failure ${ticks}`);
        return Promise.resolve();
      },
    });
    task.start();
    await until(() => ticks >= 4);
    await task.stop();
    expect(logger.lines).toEqual(['flaky sweep failed', 'flaky sweep failed']);
  });

  it('trigger() during a tick queues exactly one more tick right after it', async () => {
    const first = gate();
    let ticks = 0;
    const task = new PeriodicTask({
      name: 'task',
      intervalMs: 60_000,
      logger: recordingLogger(),
      run: async () => {
        ticks += 1;
        if (ticks === 1) await first.promise;
      },
    });
    task.start();
    task.trigger();
    task.trigger();
    task.trigger();
    expect(ticks).toBe(1);
    first.open();
    await until(() => ticks === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ticks).toBe(2);
    await task.stop();
  });

  it('ticks at once when asked to run on start, and its timer keeps no process alive', async () => {
    let ticks = 0;
    const task = new PeriodicTask({
      name: 'task',
      intervalMs: 60_000,
      runOnStart: true,
      logger: recordingLogger(),
      run: () => {
        ticks += 1;
      },
    });
    task.start();
    await until(() => ticks === 1);
    const timer = (task as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    await task.stop();
  });
});
