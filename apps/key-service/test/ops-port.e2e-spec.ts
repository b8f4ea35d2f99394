import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError, IdPrefix, Subjects, apiKeyViewSchema, healthReplySchema, newId } from '@plexmcp/contracts';
import { type Harness, actorOf, startHarness } from './support/harness.js';

/** The key-service's ops HTTP server: Prometheus metrics and the orchestrator's probes. */
describe('key-service ops port', () => {
  let h: Harness;
  const get = (path: string, method = 'GET') =>
    fetch(`http://127.0.0.1:${h.service.opsPort}${path}`, { method });

  beforeAll(async () => {
    h = await startHarness('ops-port');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('/healthz answers 200 while the process runs; /readyz 200 with the health checks', async () => {
    const live = await get('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: true, nats: true } });
  });

  it('/metrics times every RPC by subject and outcome, beside the standard process metrics', async () => {
    await h.rpc.call(Subjects.keys.health, {}, healthReplySchema);
    const org = await h.createOrg({ name: 'Metrics' });
    const actor = actorOf(org.admin_key);
    await expect(
      h.rpc.call(Subjects.keys.get, { actor, id: newId(IdPrefix.Key) }, apiKeyViewSchema),
    ).rejects.toBeInstanceOf(AppError);

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/rpc_server_duration_seconds_count\{subject="keys\.health",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/rpc_server_duration_seconds_count\{subject="orgs\.create",outcome="ok"\} 1/);
    expect(text).toMatch(/rpc_server_duration_seconds_count\{subject="keys\.get",outcome="not_found"\} 1/);
    expect(text).toMatch(/^process_cpu_seconds_total\{service="key-service"\} /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{service="key-service"\} /m);
  });

  it('serves nothing else', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/metrics/x', 'GET'],
      ['/metrics', 'POST'],
    ] as const) {
      const res = await get(path, method);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found' });
    }
  });
});
