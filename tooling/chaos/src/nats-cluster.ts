import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { USAGE_STREAM_SETTINGS } from '@plexmcp/contracts';
import { ensureUsageStream } from '@plexmcp/service-kit';
import { freePort, waitFor } from '@plexmcp/service-kit/testing';
import { type Child, isRunning, spawnChild, stopChild } from './child-process.js';

interface NatsNode {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly storeDir: string;
  child: Child | null;
}

/**
 * Three `nats-server` processes on loopback, routed to each other (one cluster), each with
 * JetStream in a store directory of its own. A node can be killed and started again on the same
 * ports and store, as a crashed server restarted by its supervisor.
 */
export interface NatsCluster {
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  readonly url: string;
  readonly nodes: readonly string[];
  kill(node: number): Promise<void>;
  start(node: number): void;
  /** Creates the USAGE stream with 3 replicas before any service does (they only create it when missing). */
  createUsageStream(replicas: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startNatsCluster(
  binary = process.env.NATS_SERVER_BIN ?? 'nats-server',
): Promise<NatsCluster> {
  const nodes: NatsNode[] = [];
  for (let i = 0; i < 3; i++) {
    nodes.push({
      name: `chaos-n${i + 1}`,
      port: await freePort(),
      clusterPort: await freePort(),
      storeDir: mkdtempSync(path.join(tmpdir(), `plexmcp-chaos-nats-${i + 1}-`)),
      child: null,
    });
  }
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`).join(',');
  const launch = (node: NatsNode): Child =>
    spawnChild(node.name, binary, [
      '-a',
      '127.0.0.1',
      '-p',
      String(node.port),
      '-js',
      '-sd',
      node.storeDir,
      '--server_name',
      node.name,
      '--cluster_name',
      'plexmcp-chaos',
      '--cluster',
      `nats://127.0.0.1:${node.clusterPort}`,
      '--routes',
      routes,
    ]);
  const url = nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');

  const cluster: NatsCluster = {
    url,
    nodes: nodes.map((n) => n.name),
    async kill(index) {
      const node = nodes[index]!;
      if (node.child !== null) await stopChild(node.child, 'SIGKILL');
    },
    start(index) {
      const node = nodes[index]!;
      if (node.child !== null && isRunning(node.child)) return;
      node.child = launch(node);
    },
    async createUsageStream(replicas) {
      const nc = await connect({ servers: url.split(',') });
      try {
        const jsm = await waitFor(
          async () => {
            const manager = await jetstreamManager(nc);
            await manager.getAccountInfo();
            return manager;
          },
          { timeoutMs: 30_000, intervalMs: 250, message: 'JetStream of the cluster (a meta leader)' },
        );
        await waitFor(
          async () => {
            await ensureUsageStream(jsm, { replicas });
            return true;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 250,
            message: `the ${USAGE_STREAM_SETTINGS.name} stream at R${replicas}`,
          },
        );
      } finally {
        await nc.close();
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => (n.child === null ? Promise.resolve() : stopChild(n.child))));
      for (const n of nodes) rmSync(n.storeDir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < nodes.length; i++) cluster.start(i);
  return cluster;
}
