import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ErrorCode,
  IDEMPOTENCY_LEASE_MS,
  SecretsSubjects,
  Subjects,
  createdKeyAnswer,
  createdKeySchema,
  idempotencyBeginReplySchema,
  idempotencyDoneReplySchema,
  mcpViewSchema,
  reencryptSecretsReplySchema,
  rotatedKeyAnswer,
  rotatedKeySchema,
  successEnvelope,
} from '@plexmcp/contracts';
import { Keyring, encryptionKeyIdOf, isEncrypted } from '@plexmcp/service-kit';
import { testEncryptionKeys, waitFor } from '@plexmcp/service-kit/testing';
import { type Harness, rejection, startHarness } from './support/harness.js';

const FINGERPRINT = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

/** Idempotency-Key records: claimed once, answers sealed at rest, expired after 24 h and swept. */
describe('idempotency records', () => {
  let h: Harness;
  let orgId: string;
  beforeAll(async () => {
    h = await startHarness('idempotency', { env: { IDEMPOTENCY_SWEEP_INTERVAL_MS: '100' } });
    orgId = (await h.createAdmin('Idem Co')).org_id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const begin = (key: string, fingerprint = FINGERPRINT) =>
    h.rpc.call(Subjects.idempotency.begin, { org_id: orgId, key, fingerprint }, idempotencyBeginReplySchema);
  const complete = (key: string, body: string) =>
    h.rpc.call(
      Subjects.idempotency.complete,
      { org_id: orgId, key, fingerprint: FINGERPRINT, status: 201, body },
      idempotencyDoneReplySchema,
    );
  const stored = async (key: string) =>
    (
      await h.db.query<{ response: string | null }>(
        'SELECT response FROM idempotency_records WHERE org_id = $1 AND idempotency_key = $2',
        [orgId, key],
      )
    ).rows[0];

  it('claims a key once, stores its answer sealed, and replays it; another request is a mismatch', async () => {
    expect(await begin('k-1')).toEqual({ state: 'started' });
    expect(await begin('k-1')).toEqual({ state: 'in_progress' });
    expect(await begin('k-1', OTHER)).toEqual({ state: 'mismatch' });
    const body = '{"success":true,"data":{"secret":"pk_live_secretvalue"}}';
    expect(await complete('k-1', body)).toEqual({ done: true });
    expect(await complete('k-1', body)).toEqual({ done: false });
    const row = await stored('k-1');
    expect(isEncrypted(row!.response!)).toBe(true);
    expect(row!.response).not.toContain('pk_live_secretvalue');
    expect(await begin('k-1')).toEqual({ state: 'completed', status: 201, body });
  });

  it('keys.create, keys.rotate and mcps.create with a claim store their answer as they commit, and only while the claim is held', async () => {
    const admin = await h.createAdmin('Claimed Writes');
    const begun = (key: string) =>
      h.rpc.call(
        Subjects.idempotency.begin,
        { org_id: admin.org_id, key, fingerprint: FINGERPRINT },
        idempotencyBeginReplySchema,
      );
    const held = (key: string) => ({ key, fingerprint: FINGERPRINT });
    const create = (key: string) =>
      h.rpc.call(
        Subjects.keys.create,
        { actor: admin, body: { name: key }, idempotency: held(key) },
        createdKeySchema,
      );

    expect(await begun('w-create')).toEqual({ state: 'started' });
    const created = await create('w-create');
    const replay = await begun('w-create');
    expect(replay).toEqual({
      state: 'completed',
      status: 201,
      body: JSON.stringify(createdKeyAnswer(created)),
    });

    // A claim released (its gateway gave up waiting) or never made: the write is refused, whole.
    expect(await begun('w-released')).toEqual({ state: 'started' });
    await h.rpc.call(
      Subjects.idempotency.release,
      { org_id: admin.org_id, ...held('w-released') },
      idempotencyDoneReplySchema,
    );
    expect((await rejection(create('w-released'))).code).toBe(ErrorCode.Conflict);
    const named = await h.db.query("SELECT 1 FROM api_keys WHERE name = 'w-released'");
    expect(named.rowCount).toBe(0);

    expect(await begun('w-rotate')).toEqual({ state: 'started' });
    await h.rpc.call(
      Subjects.idempotency.release,
      { org_id: admin.org_id, ...held('w-rotate') },
      idempotencyDoneReplySchema,
    );
    const rotate = (idempotency?: { key: string; fingerprint: string }) =>
      h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: created.key.id, body: {}, ...(idempotency ? { idempotency } : {}) },
        rotatedKeySchema,
      );
    expect((await rejection(rotate(held('w-rotate')))).code).toBe(ErrorCode.Conflict);
    // Not rotated: it still can be, once.
    expect(await begun('w-rotate')).toEqual({ state: 'started' });
    const rotated = await rotate(held('w-rotate'));
    expect(rotated.previous.id).toBe(created.key.id);
    expect(await begun('w-rotate')).toEqual({
      state: 'completed',
      status: 201,
      body: JSON.stringify(rotatedKeyAnswer(rotated)),
    });

    // An MCP is created the same way.
    const createMcp = (key: string) =>
      h.rpc.call(
        Subjects.mcps.create,
        {
          actor: admin,
          body: { name: key, upstream_url: `https://mcp.example.com/${key}` },
          idempotency: held(key),
        },
        mcpViewSchema,
      );
    expect(await begun('w-mcp')).toEqual({ state: 'started' });
    const mcp = await createMcp('w-mcp');
    expect(await begun('w-mcp')).toEqual({
      state: 'completed',
      status: 201,
      body: JSON.stringify(successEnvelope(mcp)),
    });
    expect((await rejection(createMcp('w-mcp-unclaimed'))).code).toBe(ErrorCode.Conflict);
    expect((await h.db.query("SELECT 1 FROM mcps WHERE name = 'w-mcp-unclaimed'")).rowCount).toBe(0);
  });

  it('a holder that stopped without an answer loses the key after the lease; past 24 h the key is new', async () => {
    expect(await begin('k-lease')).toEqual({ state: 'started' });
    await h.db.query(
      `UPDATE idempotency_records SET locked_at = now() - make_interval(secs => $1) WHERE idempotency_key = 'k-lease'`,
      [IDEMPOTENCY_LEASE_MS / 1000 + 1],
    );
    expect(await begin('k-lease', OTHER)).toEqual({ state: 'mismatch' });
    expect(await begin('k-lease')).toEqual({ state: 'started' });

    expect(await begin('k-old')).toEqual({ state: 'started' });
    await complete('k-old', '{}');
    await h.db.query(
      `UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'k-old'`,
    );
    expect(await begin('k-old', OTHER)).toEqual({ state: 'started' });
  });

  it('the sweeper deletes records older than 24 h and keeps the rest', async () => {
    await begin('k-sweep');
    await begin('k-keep');
    await h.db.query(
      `UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'k-sweep'`,
    );
    await waitFor(async () => ((await stored('k-sweep')) === undefined ? true : undefined), {
      timeoutMs: 10_000,
      message: 'the expired record swept',
    });
    expect(await stored('k-keep')).toBeDefined();
  });

  it('secrets reencrypt moves stored answers under the first key', async () => {
    await begin('k-reseal');
    await complete('k-reseal', '{"reseal":true}');
    const rotated = `${Keyring.generateEntry('k2')},${testEncryptionKeys()}`;
    await h.service.close();
    await h.startInstance({ encryptionKeys: rotated, env: { IDEMPOTENCY_SWEEP_INTERVAL_MS: '100' } });
    const reply = await h.rpc.call(SecretsSubjects.idempotencyResponses, {}, reencryptSecretsReplySchema);
    expect(reply).toMatchObject({ store: 'idempotency_records.response', key_id: 'k2' });
    expect(reply.reencrypted).toBeGreaterThanOrEqual(1);
    expect(encryptionKeyIdOf((await stored('k-reseal'))!.response!)).toBe('k2');
    expect(await begin('k-reseal')).toEqual({ state: 'completed', status: 201, body: '{"reseal":true}' });
  });
});
