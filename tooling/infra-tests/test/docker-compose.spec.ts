// docker-compose.yml gives each service its own NATS user and password (the ones the generated
// NATS config reads), and docker-compose.cluster.yml turns NATS into a 3-node cluster with a
// replicated USAGE stream. `docker compose config` checks both files when Docker Compose is here.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { NatsRoles, natsPasswordVariable } from '@plexmcp/contracts';
import { repoRoot, yamlDocuments } from '../src/index.js';

type Compose = {
  services: Record<string, { environment?: Record<string, string>; deploy?: { replicas?: unknown } }>;
};
const compose = yamlDocuments(path.join(repoRoot, 'docker-compose.yml'))[0] as Compose;
const cluster = yamlDocuments(path.join(repoRoot, 'docker-compose.cluster.yml'))[0] as Compose;

const SERVICE_USERS = {
  'api-gateway': 'gateway',
  'key-service': 'key-service',
  'usage-service': 'usage-service',
  cli: 'ops',
} as const;

function hasDockerCompose(): boolean {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('docker-compose', () => {
  it('connects each service as its own NATS user with that user’s password', () => {
    const natsEnv = compose.services.nats!.environment!;
    for (const role of NatsRoles) expect(natsEnv[natsPasswordVariable(role)]).toBeDefined();
    for (const [service, role] of Object.entries(SERVICE_USERS)) {
      const env = compose.services[service]!.environment!;
      expect(env.NATS_USER).toBe(role);
      // The same value the NATS server gets for that role (YAML anchors resolved).
      expect(env.NATS_PASSWORD).toBe(natsEnv[natsPasswordVariable(role)]);
    }
    expect(compose.services['key-service']!.deploy?.replicas).toBeDefined();
    expect(compose.services['usage-service']!.deploy?.replicas).toBeDefined();
  });

  it('has a 3-node cluster variant: every node in NATS_URL and 3 stream replicas', () => {
    expect(Object.keys(cluster.services).filter((s) => s.startsWith('nats'))).toEqual([
      'nats',
      'nats-2',
      'nats-3',
    ]);
    for (const service of Object.keys(SERVICE_USERS)) {
      expect(cluster.services[service]!.environment!.NATS_URL!.split(',')).toHaveLength(3);
    }
    expect(cluster.services['usage-service']!.environment!.USAGE_STREAM_REPLICAS).toBe('3');
  });

  const composeAvailable = hasDockerCompose();
  if (!composeAvailable) {
    process.stdout.write('docker compose is not installed here: `docker compose config` checks skipped\n');
  }
  (composeAvailable ? it : it.skip).each([
    [['docker-compose.yml']],
    [['docker-compose.yml', 'docker-compose.cluster.yml']],
  ])('`docker compose config` accepts %j', async (files) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-compose-'));
    try {
      const envFile = path.join(dir, 'env');
      writeFileSync(
        envFile,
        [
          'PLEXMCP_ENCRYPTION_KEYS=k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          ...NatsRoles.map((role) => `${natsPasswordVariable(role)}=pw-${role}`),
        ].join('\n'),
      );
      const args = ['compose', '--env-file', envFile, ...files.flatMap((f) => ['-f', f]), 'config', '-q'];
      const result = await new Promise<string | null>((resolve) =>
        execFile('docker', args, { cwd: repoRoot }, (err, _stdout, stderr) => resolve(err ? stderr : null)),
      );
      expect(result).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
