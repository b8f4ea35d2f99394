/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- HTTP bodies are JSON inspected field by field */
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { type CreatedKey, Subjects, hashApiKey, organizationViewSchema } from '@plexmcp/contracts';
import { type WebhookReceiver, waitFor } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { publicKeyIdentifier } from '../src/secret-scanning/scanner-public-keys.js';
import { alertingSuite } from './support/alerting-suite.js';
import { actorOf, http, type World } from './support/world.js';

/**
 * A secret scanner reports leaked keys the way GitHub's partner program does: a JSON array signed
 * with ECDSA P-256 over the raw body, the key named by `Github-Public-Key-Identifier`. A live key
 * is revoked at once, a test key only when its organization opted in, a `key_leaked` alert is
 * raised with the URL and its webhook fires; nothing unsigned, mis-signed or tampered is read.
 */
describe('leaked-key reports from a secret scanner', () => {
  const scanner = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const scannerId = publicKeyIdentifier(scanner.publicKey);
  const LEAK_URL = 'https://github.com/acme/app/blob/0123abc/.env';
  const s = alertingSuite('secret_scan', {
    events: ['alert.key_leaked'],
    gatewayEnv: {
      SECRET_SCANNING_PUBLIC_KEYS: scanner.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  });
  let world: World;
  let gateway: GatewayHandle;
  let admin: CreatedKey;
  let receiver: WebhookReceiver;
  beforeAll(() => {
    ({ world, gateway, admin, receiver } = s);
  });

  const report = (tokens: string[]) =>
    JSON.stringify(
      tokens.map((token) => ({ token, type: 'plexmcp_api_key', url: LEAK_URL, source: 'content' })),
    );
  const post = (
    route: 'verify' | 'revoke',
    body: string,
    key: KeyObject | null = scanner.privateKey,
    id = scannerId,
  ) =>
    http(gateway.url, `/v1/secret-scanning/${route}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...(key === null
          ? {}
          : {
              'github-public-key-identifier': id,
              'github-public-key-signature': sign('sha256', Buffer.from(body), key).toString('base64'),
            }),
      },
    });
  const me = async (key: CreatedKey) => (await http(gateway.url, '/v1/me', { key: key.secret })).status;

  it('verify labels each token and changes nothing', async () => {
    const live = await world.createKey(actorOf(admin));
    const body = report([live.secret, 'pk_live_notarealkeyatall000000000000000000', 'ghp_something']);
    const res = await post('verify', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        token_hash: hashApiKey(live.secret),
        token_type: 'plexmcp_api_key',
        label: 'true_positive',
        action: 'none',
      },
      expect.objectContaining({ label: 'false_positive', action: 'none' }),
      expect.objectContaining({ label: 'false_positive', action: 'none' }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(live.secret);
    expect(await me(live)).toBe(200);
  });

  it('revoke: a live key stops at once, a test key is only reported, both raise key_leaked with the URL and fire the webhook', async () => {
    const live = await world.createKey(actorOf(admin), { name: 'ci' });
    const test = await world.createKey(actorOf(admin), { name: 'sandbox', mode: 'test' });
    expect(await me(live)).toBe(200);
    const res = await post('revoke', report([live.secret, test.secret]));
    expect(res.status).toBe(200);
    expect(res.body.map((r: { label: string; action: string }) => [r.label, r.action])).toEqual([
      ['true_positive', 'revoked'],
      ['true_positive', 'reported'],
    ]);
    // Revoked before the answer: no gateway accepts it any more.
    expect(await me(live)).toBe(401);
    expect(await me(test)).toBe(200);

    const alerts = await waitFor(async () => {
      const listed = await http(gateway.url, '/v1/alerts?type=key_leaked', { key: admin.secret });
      const mine = (listed.body.data ?? []).filter((a: { key_id: string }) =>
        [live.key.id, test.key.id].includes(a.key_id),
      );
      return mine.length === 2 ? mine : null;
    });
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key_id: live.key.id,
          details: expect.objectContaining({ url: LEAK_URL, action: 'revoked' }),
        }),
        expect.objectContaining({
          key_id: test.key.id,
          details: expect.objectContaining({ url: LEAK_URL, action: 'reported' }),
        }),
      ]),
    );
    const delivered = await waitFor(() =>
      receiver.received.find((r) => r.body.includes(live.key.id) && r.body.includes('alert.key_leaked')),
    );
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'alert.key_leaked',
      data: { details: { url: LEAK_URL } },
    });

    // The scanner sending the same report again: nothing new is raised, the live key stays revoked.
    const again = await post('revoke', report([live.secret]));
    expect(again.body[0]).toMatchObject({ label: 'true_positive', action: 'already_inactive' });
    const after = await http(gateway.url, `/v1/alerts?type=key_leaked&key_id=${live.key.id}`, {
      key: admin.secret,
    });
    expect(after.body.data).toHaveLength(1);
  });

  it('revokes test keys too once the organization opts in', async () => {
    const test = await world.createKey(actorOf(admin), { name: 'sandbox-2', mode: 'test' });
    const org = await world.rpc.call(
      Subjects.orgs.update,
      { id: admin.key.organization_id, body: { revoke_leaked_test_keys: true } },
      organizationViewSchema,
    );
    expect(org.revoke_leaked_test_keys).toBe(true);
    const res = await post('revoke', report([test.secret]));
    expect(res.body[0]).toMatchObject({ action: 'revoked' });
    expect(await me(test)).toBe(401);
  });

  it('refuses unsigned, mis-signed, tampered, unknown-key and oversized reports without acting', async () => {
    const live = await world.createKey(actorOf(admin));
    const body = report([live.secret]);
    const cases = [
      await post('revoke', body, null),
      await post('revoke', body, stranger.privateKey),
      await post('revoke', body, stranger.privateKey, publicKeyIdentifier(stranger.publicKey)),
      await post('revoke', body, scanner.privateKey, 'not-a-key-id'),
      await http(gateway.url, '/v1/secret-scanning/revoke', {
        method: 'POST',
        body: body.replace(LEAK_URL, 'https://example.com/x'),
        headers: {
          'content-type': 'application/json',
          'github-public-key-identifier': scannerId,
          'github-public-key-signature': sign('sha256', Buffer.from(body), scanner.privateKey).toString(
            'base64',
          ),
        },
      }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, error: { code: 'unauthorized' } });
    }
    expect(await me(live)).toBe(200);

    const huge = report(Array.from({ length: 5000 }, () => live.secret));
    expect((await post('revoke', huge)).status).toBe(413);
    const invalid = await post('revoke', JSON.stringify({ token: live.secret }));
    expect(invalid.status).toBe(400);
    expect(await me(live)).toBe(200);
  });
});
