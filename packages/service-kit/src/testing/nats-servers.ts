import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type NatsRole, NatsRoles, natsServerConfig } from '@plexmcp/contracts';
import type { NatsAuth } from '../config.js';
import { freePort, isListening, stopChild, waitFor } from './index.js';

/** One nats-server process of a secured test NATS. */
export interface SecuredNatsNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops this server (SIGTERM, awaited); the others go on. */
  stop(): Promise<void>;
}

/**
 * A private NATS run with PlexMCP's own generated configuration (`natsServerConfig`): one user per
 * role with random passwords and exactly its permissions, no anonymous access. One server, or
 * `nodes` servers joined by routes into a JetStream cluster.
 */
export interface SecuredNats {
  /** Every node's URL, comma-separated (a `NATS_URL`). */
  url: string;
  nodes: SecuredNatsNode[];
  /** Each role's credentials, as `natsAuthOf` gives them. */
  users: Record<NatsRole, NatsAuth & { user: string; password: string }>;
  /** A service's NATS variables: `NATS_URL`, `NATS_USER`, `NATS_PASSWORD`. */
  env(role: NatsRole): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a secured NATS on free ports of loopback, JetStream in a temporary directory. */
export async function startSecuredNats(options: { nodes?: number } = {}): Promise<SecuredNats> {
  const count = options.nodes ?? 1;
  const binary = process.env.NATS_SERVER_BIN ?? 'nats-server';
  const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-secured-nats-'));
  const users = Object.fromEntries(
    NatsRoles.map((role) => [role, { user: role, password: randomBytes(18).toString('base64url') }]),
  ) as SecuredNats['users'];
  const ports: { client: number; cluster: number }[] = [];
  for (let i = 0; i < count; i += 1) ports.push({ client: await freePort(), cluster: await freePort() });

  const nodes: SecuredNatsNode[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      const configFile = path.join(dir, `node-${i}.conf`);
      writeFileSync(
        configFile,
        natsServerConfig({
          host: '127.0.0.1',
          port: port.client,
          jetstreamDir: path.join(dir, `node-${i}`),
          serverName: `test-${i}`,
          users: NatsRoles.map((role) => ({ role, password: users[role].password })),
          ...(count > 1
            ? {
                cluster: {
                  name: 'plexmcp-test',
                  port: port.cluster,
                  routes: ports.filter((p) => p !== port).map((p) => `nats-route://127.0.0.1:${p.cluster}`),
                },
              }
            : {}),
        }),
        { mode: 0o600 },
      );
      const child = spawn(binary, ['-c', configFile], { stdio: 'ignore' });
      nodes.push({
        url: `nats://127.0.0.1:${port.client}`,
        port: port.client,
        process: child,
        stop: () => stopChild(child),
      });
    }
    for (const node of nodes) {
      await waitFor(() => isListening(node.port), {
        timeoutMs: 10_000,
        message: `nats-server on ${node.port}`,
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const url = nodes.map((n) => n.url).join(',');
  return {
    url,
    nodes,
    users,
    env: (role) => ({ NATS_URL: url, NATS_USER: users[role].user, NATS_PASSWORD: users[role].password }),
    stop: stopAll,
  };
}
