import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateApiKey } from '@plexmcp/contracts';
import { createLogger } from '@plexmcp/service-kit';
import { bootstrap, type GatewayHandle } from '../src/index.js';
import { type World, http, startWorld } from './support/world.js';

/**
 * Every answer is logged once, with the request id the caller was shown, so a user's
 * "request_id: req_…" can be found in the logs; never with the key that was sent.
 */
describe('answers in the gateway log', () => {
  let world: World;
  let gateway: GatewayHandle;
  let output = '';

  beforeAll(async () => {
    world = await startWorld('errlog');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString('utf8');
        callback();
      },
    });
    gateway = await bootstrap(
      { NATS_URL: world.nats.url, PORT: '0', HOST: '127.0.0.1', HEARTBEAT_INTERVAL_MS: '200' },
      { logger: createLogger('api-gateway', 'info', 'json', sink) },
    );
    world.gateways.push(gateway);
  });
  afterAll(async () => {
    await world?.close();
  });

  type Line = Record<string, unknown>;
  const lines = (): Line[] =>
    output
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Line);
  const linesFor = (requestId: string | null): Line[] => lines().filter((l) => l.request_id === requestId);

  it('logs successes and 4xx at info and 5xx at error with request_id, method, route, status and code', async () => {
    const org = await world.createOrg();
    const admin = org.admin_key.secret;

    const fine = await http(gateway.url, '/v1/me', { key: admin });
    expect(fine.status).toBe(200);

    const unknownKey = generateApiKey('live');
    const unauthorized = await http(gateway.url, '/v1/me', { key: unknownKey });
    expect(unauthorized.status).toBe(401);
    const missing = await http(gateway.url, '/v1/no-such-route?api_key=secret-in-query', { key: admin });
    expect(missing.status).toBe(404);

    // The key-service goes away: a key the gateway has not cached cannot be checked, so 503.
    await world.stopKeyService();
    const uncached = generateApiKey('live');
    const unavailable = await http(gateway.url, '/v1/me', { key: uncached });
    expect(unavailable.status).toBe(503);
    const notReady = await http(gateway.url, '/readyz');
    expect(notReady.status).toBe(503);
    await world.startKeyService();

    // onResponse runs after the answer went out: give it a moment to be written.
    await new Promise((resolve) => setTimeout(resolve, 50));

    type Envelope = { error: { request_id: string; code: string } };
    const unauthorizedError = (unauthorized.body as Envelope).error;
    const unavailableError = (unavailable.body as Envelope).error;
    expect(linesFor(fine.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'GET',
        route: '/v1/me',
        status: 200,
        msg: 'request answered',
      }),
    ]);
    expect(linesFor(unauthorized.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'api-gateway',
        request_id: unauthorizedError.request_id,
        method: 'GET',
        route: '/v1/me',
        status: 401,
        error_code: unauthorizedError.code,
      }),
    ]);
    expect(linesFor(missing.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        level: 30,
        status: 404,
        route: null,
        path: '/v1/no-such-route',
        error_code: 'not_found',
      }),
    ]);
    expect(linesFor(unavailable.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        level: 50,
        request_id: unavailableError.request_id,
        status: 503,
        route: '/v1/me',
        error_code: 'service_unavailable',
      }),
    ]);
    expect(linesFor(notReady.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ level: 40, status: 503, route: '/readyz' }),
    ]);

    // Probes are never access-logged when they succeed.
    const healthy = await http(gateway.url, '/healthz');
    expect(healthy.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(linesFor(healthy.headers.get('x-request-id'))).toEqual([]);

    for (const secret of [admin, unknownKey, uncached]) expect(output).not.toContain(secret.slice(8));
    expect(output).not.toContain('secret-in-query');
    expect(output.toLowerCase()).not.toContain('bearer');
  });
});

describe('the access log switched off', () => {
  let world: World;
  let gateway: GatewayHandle;
  let output = '';

  beforeAll(async () => {
    world = await startWorld('acclog');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString('utf8');
        callback();
      },
    });
    gateway = await bootstrap(
      { NATS_URL: world.nats.url, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false' },
      { logger: createLogger('api-gateway', 'info', 'json', sink) },
    );
    world.gateways.push(gateway);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps successes out of the log at info, and still logs errors', async () => {
    const org = await world.createOrg();
    const fine = await http(gateway.url, '/v1/me', {
      key: org.admin_key.secret,
      headers: { 'x-request-id': 'acc-off-1' },
    });
    expect(fine.status).toBe(200);
    const refused = await http(gateway.url, '/v1/me', {
      key: generateApiKey('live'),
      headers: { 'x-request-id': 'acc-off-2' },
    });
    expect(refused.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output).not.toContain('acc-off-1');
    expect(output).toContain('acc-off-2');
  });
});
