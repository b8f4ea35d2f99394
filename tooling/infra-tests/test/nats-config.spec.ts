// The shipped NATS configurations are exactly what natsServerConfig() generates from the subjects
// in packages/contracts, and nats-server accepts each of them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { NatsRoles, natsPasswordVariable } from '@plexmcp/contracts';
import { repoRoot, yamlDocuments } from '../src/index.js';

const natsServer = process.env.NATS_SERVER_BIN ?? 'nats-server';

function run(file: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { cwd: repoRoot, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('shipped NATS configuration', () => {
  it('equals the generated one (run `pnpm nats:config` after changing subjects)', async () => {
    const { code, output } = await run(process.execPath, ['infra/nats/generate.mjs', '--check']);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('the Kubernetes ConfigMap holds a configuration nats-server accepts', async () => {
    const [configMap] = yamlDocuments(path.join(repoRoot, 'infra/k8s/nats-config.yaml'));
    const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-nats-k8s-'));
    try {
      const file = path.join(dir, 'nats.conf');
      writeFileSync(file, (configMap!.data as Record<string, string>)['nats.conf']!);
      const env = Object.fromEntries(
        NatsRoles.map((role) => [natsPasswordVariable(role), `pw${role.length}x`]),
      );
      const { code, output } = await run(natsServer, ['-t', '-c', file], { ...env, POD_NAME: 'nats-0' });
      expect(output).toContain('is valid');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['infra/nats/nats-server.conf', 'infra/nats/nats-cluster.conf'])(
    '%s is accepted by nats-server, its passwords read from the environment',
    async (file) => {
      const env = Object.fromEntries(
        NatsRoles.map((role) => [natsPasswordVariable(role), `pw${role.length}x`]),
      );
      const { code, output } = await run(natsServer, ['-t', '-c', path.join(repoRoot, file)], {
        ...env,
        NATS_SERVER_NAME: 'nats-1',
      });
      expect(output).toContain('is valid');
      expect(code).toBe(0);
      // Without a password the server refuses to start: no user is ever left open.
      const missing = await run(natsServer, ['-t', '-c', path.join(repoRoot, file)], {
        NATS_SERVER_NAME: 'n',
      });
      expect(missing.code).not.toBe(0);
    },
  );
});
