import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, healthReplySchema } from '@plexmcp/contracts';
import type { KeyServiceHandle } from '../src/index.js';
import { type Harness, startHarness } from './support/harness.js';

/** Instances share the `key-service` queue group: each request goes to exactly one of them. */
describe('several key-service instances', () => {
  let h: Harness;
  let second: KeyServiceHandle;
  let secret: string;

  beforeAll(async () => {
    h = await startHarness('queue');
    second = await h.startInstance();
    secret = (await h.createOrg({ name: 'Queue' })).admin_key.secret;
  });
  afterAll(async () => {
    await h?.close();
  });

  const servedBy = async () => (await h.rpc.call(Subjects.keys.health, {}, healthReplySchema)).instance_id;

  it('both instances serve requests', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(await servedBy());
    expect(seen).toEqual(new Set([h.service.instanceId, second.instanceId]));
  });

  it('stopping one instance under load loses no request: the other answers all of them', async () => {
    let stop = false;
    let answered = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (!stop) {
        try {
          expect((await h.validate(secret)).status).toBe('active');
          answered++;
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const beforeStop = answered;
    await h.service.close();
    const afterStop = answered;
    // Keep the load on until the survivor has answered a good number of requests on its own.
    while (answered < afterStop + 200) await h.validate(secret).then(() => answered++);
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(afterStop).toBeGreaterThanOrEqual(beforeStop);
    for (let i = 0; i < 20; i++) expect(await servedBy()).toBe(second.instanceId);
  });
});
