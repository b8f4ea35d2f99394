// A service's Node flags are written once, in its package.json (`plexmcp.nodeFlags`), and read
// from there by `pnpm start` and the benchmarks. Docker, docker compose and Kubernetes cannot read
// them, so they repeat them: these checks keep every copy equal to the one list.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot, yamlDocuments, yamlFilesIn } from '../src/index.js';

const SERVICES = ['api-gateway', 'key-service', 'usage-service'] as const;

interface Manifest {
  scripts: Record<string, string>;
  plexmcp?: { nodeFlags?: string[] };
}
const manifestOf = (service: string): Manifest =>
  JSON.parse(readFileSync(path.join(repoRoot, 'apps', service, 'package.json'), 'utf8')) as Manifest;

/** `node <flags> dist/main.js`, as each launcher must run `service`. */
const commandOf = (service: string): string[] => [
  'node',
  ...(manifestOf(service).plexmcp?.nodeFlags ?? []),
  'dist/main.js',
];

type Compose = { services: Record<string, { command?: string[] }> };
const compose = yamlDocuments(path.join(repoRoot, 'docker-compose.yml'))[0] as Compose;

interface Container {
  name: string;
  command?: string[];
}
const k8sContainers: Container[] = yamlFilesIn('infra/k8s')
  .flatMap((file) => yamlDocuments(file))
  .filter((doc) => doc.kind === 'Deployment')
  .flatMap(
    (doc) => (doc.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers,
  );

describe('Node flags of the services', () => {
  it('gives the gateway a young generation sized for its per-request garbage', () => {
    expect(manifestOf('api-gateway').plexmcp?.nodeFlags).toEqual(['--max-semi-space-size=32']);
  });

  it.each(SERVICES)('runs %s with the same flags everywhere', (service) => {
    const command = commandOf(service);
    expect(manifestOf(service).scripts.start).toBe(command.join(' '));
    expect(compose.services[service]!.command).toEqual(command);
    expect(k8sContainers.find((c) => c.name === service)?.command).toEqual(command);
  });

  it("runs the image's default service, the gateway, with its flags", () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const workdirs = [...dockerfile.matchAll(/^WORKDIR (.+)$/gm)].map((m) => m[1]);
    expect(workdirs.at(-1)).toBe('/app/apps/api-gateway');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(JSON.parse(cmd![1]!)).toEqual(commandOf('api-gateway'));
  });
});
