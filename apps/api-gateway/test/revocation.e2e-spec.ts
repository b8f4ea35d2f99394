import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { Agent, request } from 'undici';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, startWorld, type World } from './support/world.js';

interface Sample {
  startedAt: number;
  status: number;
}

describe('revocation under load across gateway instances', () => {
  let world: World;
  let gateways: GatewayHandle[];
  let admin: CreatedKey;
  const agent = new Agent({ connections: 8 });

  beforeAll(async () => {
    world = await startWorld('revoke');
    const settings = { AUTH_FAILURES_PER_MINUTE: '1000000' };
    gateways = [await world.startGateway(settings), await world.startGateway(settings)];
    admin = (await world.createOrg()).admin_key;
  });
  afterAll(async () => {
    await agent.close();
    await world.close();
  });

  it('no request that starts after the revoke call returned succeeds, on either instance', async () => {
    const victim = await world.createKey(actorOf(admin));
    // Warm both caches so the key is served locally, the case eviction must beat.
    for (const g of gateways) expect((await http(g.url, '/v1/me', { key: victim.secret })).status).toBe(200);

    const samples: Sample[] = [];
    let revokedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const loop = async (gateway: GatewayHandle): Promise<void> => {
      while (!stop) {
        const startedAt = performance.now();
        const res = await request(`${gateway.url}/v1/me`, {
          headers: { authorization: `Bearer ${victim.secret}` },
          dispatcher: agent,
        });
        await res.body.dump();
        samples.push({ startedAt, status: res.statusCode });
        if (startedAt > revokedAt && samples.filter((s) => s.startedAt > revokedAt).length >= 400)
          stop = true;
      }
    };
    const loops = [gateways[0]!, gateways[1]!, gateways[0]!, gateways[1]!].map((g) => loop(g));

    // Let the loops run against the cached key for a moment, then revoke through the public API.
    while (samples.filter((s) => s.status === 200).length < 200) await new Promise((r) => setImmediate(r));
    const revoke = await http(gateways[0]!.url, `/v1/keys/${victim.key.id}`, {
      method: 'DELETE',
      key: admin.secret,
    });
    revokedAt = performance.now();
    expect(revoke.status).toBe(200);
    await Promise.all(loops);

    const after = samples.filter((s) => s.startedAt > revokedAt);
    expect(samples.filter((s) => s.startedAt < revokedAt && s.status === 200).length).toBeGreaterThanOrEqual(
      200,
    );
    expect(after.length).toBeGreaterThanOrEqual(400);
    expect(after.filter((s) => s.status !== 401)).toEqual([]);
  });
});
