// Every Kubernetes manifest in infra/k8s validates against the Kubernetes API schemas (offline,
// with the kubernetes-models classes), and each service connects to NATS as its own user.
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { NatsRoles, natsPasswordVariable } from '@plexmcp/contracts';
import { yamlDocuments, yamlFilesIn } from '../src/index.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

const manifests = yamlFilesIn('infra/k8s').flatMap((file) =>
  yamlDocuments(file).map((doc) => ({ file: path.basename(file), doc })),
);
const ofKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
function containerEnv(workload: Record<string, unknown>): EnvVar[] {
  const spec = workload.spec as { template: { spec: { containers: { env?: EnvVar[] }[] } } };
  return spec.template.spec.containers.flatMap((c) => c.env ?? []);
}

describe('infra/k8s', () => {
  it('has manifests', () => {
    expect(manifests.length).toBeGreaterThan(10);
  });

  it.each(
    manifests.map((m) => ({
      name: `${m.file}: ${String(m.doc.kind)} ${String((m.doc.metadata as { name?: string })?.name)}`,
      doc: m.doc,
    })),
  )('$name validates', ({ doc }) => {
    const Model = MODELS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
    expect(Model).toBeDefined();
    expect(() => new Model!(doc as never).validate()).not.toThrow();
  });

  it('rejects an invalid manifest (the validation is real)', () => {
    const broken = structuredClone(ofKind('Deployment')[0]!) as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it('gives every service its own NATS user, password and the whole cluster', () => {
    const byUser = new Map<string, EnvVar[]>();
    for (const deployment of ofKind('Deployment')) {
      const env = containerEnv(deployment);
      const user = env.find((e) => e.name === 'NATS_USER')?.value;
      expect(user).toBeDefined();
      byUser.set(user!, env);
      expect(env.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: 'nats-users',
        key: natsPasswordVariable(user as (typeof NatsRoles)[number]),
      });
      expect(env.find((e) => e.name === 'NATS_URL')?.value?.split(',')).toHaveLength(3);
    }
    expect([...byUser.keys()].sort()).toEqual(['gateway', 'key-service', 'usage-service']);
    expect(byUser.get('usage-service')!.find((e) => e.name === 'USAGE_STREAM_REPLICAS')?.value).toBe('3');
    const secret = ofKind('Secret').find((s) => (s.metadata as { name: string }).name === 'nats-users');
    expect(Object.keys(secret!.stringData as object).sort()).toEqual(
      NatsRoles.map(natsPasswordVariable).sort(),
    );
  });

  it('probes the gateway on /readyz and /healthz, and autoscales and budgets every workload', () => {
    const gateway = ofKind('Deployment').find(
      (d) => (d.metadata as { name: string }).name === 'api-gateway',
    )!;
    const container = (
      gateway.spec as { template: { spec: { containers: Record<string, { httpGet?: { path: string } }>[] } } }
    ).template.spec.containers[0]!;
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    const budgeted = ofKind('PodDisruptionBudget').map(
      (p) =>
        (p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels[
          'app.kubernetes.io/name'
        ],
    );
    expect(budgeted.sort()).toEqual(['api-gateway', 'key-service', 'nats', 'usage-service']);
    expect(
      ofKind('HorizontalPodAutoscaler').map(
        (h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
      ),
    ).toEqual(['api-gateway']);
    expect((ofKind('StatefulSet')[0]!.spec as { replicas: number }).replicas).toBe(3);
  });

  it('probes the NATS services on their ops port and has Prometheus scrape every service', () => {
    interface Pod {
      metadata: { annotations?: Record<string, string> };
      spec: {
        containers: {
          env?: EnvVar[];
          ports?: { name: string; containerPort: number }[];
          readinessProbe?: { httpGet?: { path: string; port: string } };
          livenessProbe?: { httpGet?: { path: string; port: string } };
        }[];
      };
    }
    const podOf = (name: string): Pod =>
      (
        ofKind('Deployment').find((d) => (d.metadata as { name: string }).name === name)!.spec as {
          template: Pod;
        }
      ).template;
    for (const [name, opsPort] of [
      ['key-service', 9101],
      ['usage-service', 9102],
    ] as const) {
      const pod = podOf(name);
      const container = pod.spec.containers[0]!;
      // The default OPS_PORT of the service (not overridden in the env).
      expect(container.env?.find((e) => e.name === 'OPS_PORT')).toBeUndefined();
      expect(container.ports).toEqual([{ name: 'ops', containerPort: opsPort }]);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'ops' });
      expect(pod.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(opsPort),
        'prometheus.io/path': '/metrics',
      });
    }
    expect(podOf('api-gateway').metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '3000',
      'prometheus.io/path': '/metrics',
    });
  });
});
