import { describe, expect, it } from '@jest/globals';
import { ServiceShutdown } from './service-module.js';

describe('ServiceShutdown', () => {
  it('stops phase by phase in the one order, whatever order the parts were registered in', async () => {
    const order: string[] = [];
    const shutdown = new ServiceShutdown({ warn: () => undefined });
    const later = (name: string) => () =>
      new Promise<void>((r) => setTimeout(() => r(void order.push(name)), 5));
    shutdown.add('close connections', 'db', later('db'));
    shutdown.add('flush publishers', 'events', later('events'));
    shutdown.add('stop tasks', 'sweep', later('sweep'));
    shutdown.add('drain subscriptions', 'subscription', later('subscription'));
    shutdown.add('stop accepting', 'server', later('server'));
    await shutdown.run();
    expect(order).toEqual(['server', 'subscription', 'sweep', 'events', 'db']);
  });

  it('logs a part that fails and still runs the later phases, once however often it is asked', async () => {
    const warnings: unknown[] = [];
    const shutdown = new ServiceShutdown({ warn: (obj) => void warnings.push(obj) });
    let closed = 0;
    shutdown.add('stop tasks', 'broken task', () => {
      throw new Error('stuck');
    });
    shutdown.add('close connections', 'db', () => void (closed += 1));
    await Promise.all([shutdown.run(), shutdown.run()]);
    await shutdown.run();
    expect(closed).toBe(1);
    expect(warnings).toEqual([expect.objectContaining({ phase: 'stop tasks', part: 'broken task' })]);
  });
});
