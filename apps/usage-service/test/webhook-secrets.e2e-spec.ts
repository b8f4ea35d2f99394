import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppError,
  ErrorCode,
  SecretsSubjects,
  UsageSubjects,
  reencryptSecretsReplySchema,
  webhookDeliveryPageSchema,
  webhookDeliveryViewSchema,
} from '@plexmcp/contracts';
import { type NatsRpcClient, encryptionKeyIdOf, isEncrypted } from '@plexmcp/service-kit';
import {
  TEST_ENCRYPTION_KEY_ID,
  testDatabaseUrl,
  waitFor,
  type ReceivedRequest,
  WebhookReceiver,
} from '@plexmcp/service-kit/testing';
import pg from 'pg';
import { type UsageServiceHandle, verifyWebhook, webhookHeadersOf } from '../src/index.js';
import { newOrgId, type UsageBed, startUsageBed, createWebhook } from './support/fixtures.js';

/** Webhook signing secrets at rest: encrypted, bound to their webhook, and still signing deliveries. */
describe('webhook signing secrets at rest', () => {
  let bed: UsageBed;
  let rpc: NatsRpcClient;
  let service: UsageServiceHandle | null = null;
  let db: pg.Client;
  const receiver = new WebhookReceiver({ status: 200 });
  const org = newOrgId();
  const actor = { org_id: org, key_id: null, ip: null };

  const start = async () => {
    service = await bed.start({
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_SCHEDULE_MS: '100,100' },
    });
  };
  const stop = async () => {
    await service?.close();
    service = null;
  };
  const storedSecret = async (id: string): Promise<string> =>
    (await db.query<{ secret: string }>('SELECT secret FROM webhooks WHERE id = $1', [id])).rows[0]!.secret;

  /** Queues a `webhook.test` delivery and answers it once it succeeded or gave up (retries are quick here). */
  const sendTest = async (id: string) => {
    const queued = await rpc.call(UsageSubjects.webhooks.test, { actor, id }, webhookDeliveryViewSchema);
    return waitFor(async () => {
      const page = await rpc.call(
        UsageSubjects.webhooks.deliveries,
        { actor, id, page: { limit: 50 } },
        webhookDeliveryPageSchema,
      );
      const delivery = page.items.find((d) => d.id === queued.id);
      return delivery && delivery.status !== 'pending' ? delivery : null;
    });
  };
  const receivedFor = (deliveryId: string) =>
    receiver.received.find((r) => r.headers['webhook-id'] === deliveryId);
  const signedWith = (secret: string, r: ReceivedRequest) =>
    verifyWebhook(secret, webhookHeadersOf(r.headers), r.body);

  beforeAll(async () => {
    bed = await startUsageBed('usage_secrets');
    rpc = bed.rpc;
    await receiver.start();
    await start();
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    await db.query(`SET search_path TO "${bed.schema}"`);
  });

  afterAll(async () => {
    await stop();
    await db?.end();
    await receiver.stop();
    await bed?.close();
  });

  it('stores a new secret encrypted and signs deliveries with the secret it returned', async () => {
    const created = await createWebhook(rpc, actor, { url: receiver.url });
    const stored = await storedSecret(created.webhook.id);
    expect(isEncrypted(stored)).toBe(true);
    expect(encryptionKeyIdOf(stored)).toBe(TEST_ENCRYPTION_KEY_ID);
    expect(stored).not.toContain(created.secret.slice('whsec_'.length));

    const delivery = await sendTest(created.webhook.id);
    expect(delivery.status).toBe('succeeded');
    expect(signedWith(created.secret, receivedFor(delivery.id)!)).toBe(true);
  });

  it('encrypts a secret stored in clear by the previous version at start-up, and it still signs', async () => {
    const legacySecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    // Exactly what the previous version stored: the whsec_ secret itself.
    await db.query(
      `INSERT INTO webhooks (id, org_id, url, description, events, secret)
       VALUES ('wh_legacy00001', $1, $2, NULL, $3, $4)`,
      [org, receiver.url, ['alert.new_location'], legacySecret],
    );
    // Until an instance restarts, it is served as it is (a rolling upgrade keeps delivering).
    const before = await sendTest('wh_legacy00001');
    expect(signedWith(legacySecret, receivedFor(before.id)!)).toBe(true);

    await stop();
    await start();
    const stored = await storedSecret('wh_legacy00001');
    expect(isEncrypted(stored)).toBe(true);
    expect(stored).not.toContain(legacySecret.slice('whsec_'.length));

    const after = await sendTest('wh_legacy00001');
    expect(after.status).toBe('succeeded');
    expect(signedWith(legacySecret, receivedFor(after.id)!)).toBe(true);

    // Idempotent: another start leaves it as it is.
    await stop();
    await start();
    expect(await storedSecret('wh_legacy00001')).toBe(stored);
  });

  it('never signs with a secret copied from another webhook, and says nothing about it to the receiver', async () => {
    const victim = await createWebhook(rpc, actor, { url: receiver.url });
    const attacker = await createWebhook(rpc, actor, { url: receiver.url });
    await db.query('UPDATE webhooks SET secret = $2 WHERE id = $1', [
      attacker.webhook.id,
      await storedSecret(victim.webhook.id),
    ]);

    const delivery = await sendTest(attacker.webhook.id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(3);
    for (const attempt of delivery.attempts) {
      expect(attempt).toMatchObject({
        status_code: null,
        error: 'the signing secret could not be read on the server',
      });
    }
    expect(receivedFor(delivery.id)).toBeUndefined();

    // Re-encryption refuses to go on with a secret it cannot read, naming the row.
    let refused: unknown;
    try {
      await rpc.call(SecretsSubjects.webhookSecrets, {}, reencryptSecretsReplySchema);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe(ErrorCode.InternalError);
    expect((refused as AppError).message).toContain(
      `webhooks.secret:${attacker.webhook.id}: authentication failed`,
    );

    await db.query('DELETE FROM webhooks WHERE id = $1', [attacker.webhook.id]);
    const reply = await rpc.call(SecretsSubjects.webhookSecrets, {}, reencryptSecretsReplySchema);
    expect(reply).toEqual({
      service: 'usage-service',
      store: 'webhooks.secret',
      key_id: TEST_ENCRYPTION_KEY_ID,
      rows: 3,
      reencrypted: 0,
      unchanged: 3,
    });
  });
});
