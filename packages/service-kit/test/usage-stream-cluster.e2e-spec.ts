// The USAGE stream on a 3-node NATS cluster (PlexMCP's generated config, with routes): created
// with 3 replicas through ensureUsageStream, it keeps accepting the gateway's events when the node
// the gateway is connected to is killed — the client moves to another node and the stream has a
// copy there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Subjects, USAGE_STREAM } from '@plexmcp/contracts';
import { type SecuredNats, startSecuredNats, waitFor } from '../src/testing/index.js';
import { type NatsConnection, connectNats, ensureUsageStream } from '../src/index.js';

let cluster: SecuredNats;
let manager: NatsConnection;
let gateway: NatsConnection;

beforeAll(async () => {
  cluster = await startSecuredNats({ nodes: 3 });
  manager = await connectNats(cluster.url, 'cluster-usage-service', {
    auth: cluster.users['usage-service'],
    role: 'usage-service',
  });
  gateway = await connectNats(cluster.url, 'cluster-gateway', {
    auth: cluster.users.gateway,
    role: 'gateway',
  });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await manager?.close();
  await cluster?.stop();
});

describe('USAGE stream on a 3-node cluster', () => {
  it('is created with 3 replicas and still takes events after a node is killed', async () => {
    // The cluster elects its JetStream meta leader first: retry until it takes the stream.
    const jsm = await waitFor(
      async () => {
        const manage = await jetstreamManager(manager, { timeout: 1_000 });
        await ensureUsageStream(manage, { replicas: 3 });
        return manage;
      },
      { timeoutMs: 20_000, intervalMs: 250, message: 'the USAGE stream to be created on the cluster' },
    );
    const info = await jsm.streams.info(USAGE_STREAM);
    expect(info.config.num_replicas).toBe(3);
    await waitFor(async () => (await jsm.streams.info(USAGE_STREAM)).cluster?.replicas?.length === 2, {
      timeoutMs: 10_000,
      message: 'two replicas beside the leader',
    });

    const js = jetstream(gateway, { timeout: 1_000 });
    expect((await js.publish(Subjects.usageRequests.recorded, '{"n":1}', { msgID: 'one' })).seq).toBe(1);

    const connectedTo = gateway.info?.server_name;
    const victim = cluster.nodes.find((n, i) => `test-${i}` === connectedTo);
    expect(victim).toBeDefined();
    victim!.process.kill('SIGKILL');

    // The gateway's connection moves to a surviving node; the stream has a copy there.
    const ack = await waitFor(
      () => js.publish(Subjects.usageRequests.recorded, '{"n":2}', { msgID: 'two' }),
      { timeoutMs: 15_000, intervalMs: 200, message: 'a publish after the node was killed' },
    );
    expect(ack.duplicate).toBe(false);
    expect(gateway.info?.server_name).not.toBe(connectedTo);
    const after = await waitFor(() => jsm.streams.info(USAGE_STREAM), { timeoutMs: 10_000 });
    expect(after.state.messages).toBe(2);
  }, 45_000);
});
