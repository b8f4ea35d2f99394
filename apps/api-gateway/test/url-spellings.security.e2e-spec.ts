import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testEncryptionKeys, waitFor } from '@plexmcp/service-kit/testing';
import { actorOf, startWorld, type World } from './support/world.js';

const GATEWAY_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** One raw HTTP/1.1 request exactly as written (fetch would normalize the target); the status. */
function rawRequest(port: number, method: string, target: string, headers: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed without a status for ${method} ${target}`)));
    const body = method === 'POST' ? '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' : '';
    socket.write(
      [
        `${method} ${target} HTTP/1.1`,
        'Host: gateway.test',
        'Accept: application/json, text/event-stream',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        ...headers,
        '',
        body,
      ].join('\r\n'),
    );
  });
}

/**
 * Authentication is decided on the route the router matched, never on the raw URL: every spelling
 * of a protected route the router accepts — percent-encoded letters and digits, absolute-form
 * targets, double slashes, dot segments, trailing dots — is refused without a key, and none of them
 * reaches a handler without a caller. The gateway runs as its own process here, so a crash shows
 * as a dead process, not as a failed promise inside the test runner.
 */
describe('every spelling of a protected URL, without a key', () => {
  let world: World;
  let gateway: ChildProcess;
  let port: number;
  let instanceId: string;
  let mcpId: string;
  let keyId: string;
  let output = '';

  beforeAll(async () => {
    world = await startWorld('spellings');
    const admin = (await world.createOrg()).admin_key;
    mcpId = (await world.createMcp(actorOf(admin))).id;
    keyId = (await world.createKey(actorOf(admin))).key.id;
    gateway = spawn(process.execPath, [GATEWAY_MAIN], {
      cwd: path.dirname(GATEWAY_MAIN),
      env: {
        ...process.env,
        NATS_URL: world.nats.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AUTH_FAILURES_PER_MINUTE: '100000',
        DASHBOARD_ENABLED: 'false',
        PLEXMCP_ENCRYPTION_KEYS: testEncryptionKeys(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    gateway.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const listening = await waitFor(
      () => /"url":"http:\/\/127\.0\.0\.1:(\d+)".*"instance_id":"([^"]+)"/.exec(output),
      { timeoutMs: 20_000, message: 'the gateway process to listen' },
    );
    port = Number(listening[1]);
    instanceId = listening[2]!;
  });
  afterAll(async () => {
    if (gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    await world.close();
  });

  const spellings = (route: string): string[] => {
    const tail = route.slice('/v1/'.length);
    return [
      route,
      `/%761/${tail}`,
      `/%56%31/${tail}`.replace('%56', '%76'),
      `/v%31/${tail}`,
      `/%76%31/${tail}`,
      `/v1/${tail.replace(/^(\w)/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
      `/v1/${tail.replace(/m/g, '%6D')}`,
      `http://gateway.test${route}`,
      `HTTP://GATEWAY.TEST${route}`,
      `http://other.example:8080${route}`,
      `//v1/${tail}`,
      `/v1//${tail}`,
      `/v1/${tail.replace('/', '//')}`,
      `${route}/`,
      `${route}.`,
      `${route}%2e`,
      `${route}?x=1`,
      `${route};x=1`,
      `/v1/./${tail}`,
      `/x/../v1/${tail}`,
      `/v1/%2e/${tail}`,
      `/v1/${tail}%00`,
      `/v1/${tail}%`,
      `/v1%2f${tail}`,
      `/V1/${tail}`,
      `/v1/${tail}#fragment`,
    ];
  };

  it('answers 400, 401 or 404 to each, and the gateway is the same process afterwards', async () => {
    const routes = [
      `/v1/mcps/${mcpId}/mcp`,
      '/v1/me',
      '/v1/keys',
      `/v1/keys/${keyId}`,
      `/v1/mcps/${mcpId}`,
      '/v1/usage',
    ];
    const answers: string[] = [];
    for (const route of routes) {
      for (const target of spellings(route)) {
        for (const method of ['GET', 'POST', 'DELETE', 'HEAD']) {
          const status = await rawRequest(port, method, target);
          answers.push(`${status} ${method} ${target}`);
        }
      }
    }
    expect(answers.filter((a) => !/^(400|401|404|405) /.test(a))).toEqual([]);
    // At least the plain spellings of the MCP endpoint were refused for want of a key.
    expect(answers).toContain(`401 POST /v1/mcps/${mcpId}/mcp`);
    expect(answers).toContain(`401 POST /%761/mcps/${mcpId}/mcp`);
    expect(answers).toContain(`401 POST http://gateway.test/v1/mcps/${mcpId}/mcp`);

    // A bearer header that is no key, on the weakest spelling, too.
    expect(await rawRequest(port, 'POST', `/%761/mcps/${mcpId}/mcp`, ['Authorization: Bearer nope'])).toBe(
      401,
    );

    expect(gateway.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(((await health.json()) as { data: { instance_id: string } }).data.instance_id).toBe(instanceId);
    expect(output).not.toMatch(/"level":(50|60)/);
  });
});
