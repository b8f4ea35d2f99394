import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ErrorCode,
  SecretsSubjects,
  Subjects,
  mcpViewSchema,
  reencryptSecretsReplySchema,
  resolveMcpReplySchema,
} from '@plexmcp/contracts';
import { Keyring, encryptionKeyIdOf, isEncrypted } from '@plexmcp/service-kit';
import { TEST_ENCRYPTION_KEY_ID, testEncryptionKeys } from '@plexmcp/service-kit/testing';
import { type Harness, rejection, startHarness } from './support/harness.js';

/** MCP upstream headers at rest: encrypted, bound to their row, and readable only through mcps.resolve. */
describe('MCP upstream headers at rest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('mcpsecrets');
  });
  afterAll(async () => {
    await h?.close();
  });

  const storedHeaders = async (id: string): Promise<Record<string, string>> => {
    const { rows } = await h.db.query<{ upstream_headers: Record<string, string> }>(
      'SELECT upstream_headers FROM mcps WHERE id = $1',
      [id],
    );
    return rows[0]!.upstream_headers;
  };
  const resolve = async (id: string) =>
    (await h.rpc.call(Subjects.mcps.resolve, { id }, resolveMcpReplySchema)).route;

  it('stores every header value encrypted and gives the gateway the values in clear', async () => {
    const admin = await h.createAdmin('Cipher Co');
    const headers = { Authorization: 'Bearer upstream-token-1a2b3c', 'X-Api-Key': 'k-998877' };
    const mcp = await h.createMcp(admin, { upstream_headers: headers });

    const stored = await storedHeaders(mcp.id);
    expect(Object.keys(stored).sort()).toEqual(['Authorization', 'X-Api-Key']);
    for (const value of Object.values(stored)) {
      expect(isEncrypted(value)).toBe(true);
      expect(encryptionKeyIdOf(value)).toBe(TEST_ENCRYPTION_KEY_ID);
    }
    const { rows } = await h.db.query<{ row: string }>('SELECT m::text AS row FROM mcps m WHERE id = $1', [
      mcp.id,
    ]);
    expect(rows[0]!.row).not.toContain('upstream-token-1a2b3c');
    expect(rows[0]!.row).not.toContain('k-998877');

    expect((await resolve(mcp.id))?.upstream_headers).toEqual(headers);
    const view = await h.rpc.call(Subjects.mcps.get, { actor: admin, id: mcp.id }, mcpViewSchema);
    expect(view.upstream_header_names).toEqual(['Authorization', 'X-Api-Key']);

    // An update replaces them, encrypted again.
    await h.rpc.call(
      Subjects.mcps.update,
      { actor: admin, id: mcp.id, body: { upstream_headers: { 'X-New': 'rotated-upstream-value' } } },
      mcpViewSchema,
    );
    expect(isEncrypted((await storedHeaders(mcp.id))['X-New']!)).toBe(true);
    expect((await resolve(mcp.id))?.upstream_headers).toEqual({ 'X-New': 'rotated-upstream-value' });
  });

  it('refuses a ciphertext copied from another MCP or another header instead of serving it', async () => {
    const admin = await h.createAdmin('Copy Cat');
    const victim = await h.createMcp(admin, { upstream_headers: { Authorization: 'Bearer victim-secret' } });
    const attacker = await h.createMcp(admin, { upstream_headers: { Authorization: 'Bearer mine' } });
    const sealed = (await storedHeaders(victim.id)).Authorization!;
    await h.db.query('UPDATE mcps SET upstream_headers = $2 WHERE id = $1', [
      attacker.id,
      { Authorization: sealed },
    ]);
    await h.db.query('UPDATE mcps SET upstream_headers = $2 WHERE id = $1', [
      victim.id,
      { 'X-Renamed': sealed },
    ]);

    for (const id of [attacker.id, victim.id]) {
      const error = await rejection(resolve(id));
      expect(error.code).toBe(ErrorCode.InternalError);
      expect(error.message).not.toContain('victim-secret');
    }
  });

  it('encrypts header values stored in clear by the previous version when an instance starts', async () => {
    const admin = await h.createAdmin('Legacy Ltd');
    const legacy = { Authorization: 'Bearer stored-before-encryption', 'X-Tenant': 'tenant-42' };
    // Exactly what the previous version wrote: the JSON object of plaintext values.
    await h.db.query(
      `INSERT INTO mcps (id, org_id, name, mode, upstream_url, upstream_headers)
       VALUES ('mcp_legacy0001', $1, 'Legacy', 'live', 'https://mcp.example.com/legacy', $2)`,
      [admin.org_id, legacy],
    );
    const empty = 'mcp_legacy0002';
    await h.db.query(
      `INSERT INTO mcps (id, org_id, name, mode, upstream_url) VALUES ($1, $2, 'No headers', 'live', 'https://mcp.example.com/e')`,
      [empty, admin.org_id],
    );
    // Served as they are until then (a rolling upgrade still works).
    expect((await resolve('mcp_legacy0001'))?.upstream_headers).toEqual(legacy);

    const second = await h.startInstance();
    const stored = await storedHeaders('mcp_legacy0001');
    expect(Object.values(stored).every(isEncrypted)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('stored-before-encryption');
    expect(await storedHeaders(empty)).toEqual({});
    await second.close();

    // Still working through the gateway's RPC, on an instance started after the migration.
    expect((await resolve('mcp_legacy0001'))?.upstream_headers).toEqual(legacy);
    // Idempotent: another start leaves the encrypted values as they are.
    const third = await h.startInstance();
    expect(await storedHeaders('mcp_legacy0001')).toEqual(stored);
    await third.close();
  });

  it('re-encrypts on request: a value it cannot read stops it whole, then nothing is left to do', async () => {
    const reencrypt = () => h.rpc.call(SecretsSubjects.mcpHeaders, {}, reencryptSecretsReplySchema);
    // The copy test left two unreadable values: nothing is rewritten, and the answer says where.
    const before = await h.db.query<{ id: string; h: string }>(
      'SELECT id, upstream_headers::text AS h FROM mcps',
    );
    const error = await rejection(reencrypt());
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(
      /^mcps\.upstream_headers:mcp_\w+:(Authorization|X-Renamed): authentication failed/,
    );
    const after = await h.db.query<{ id: string; h: string }>(
      'SELECT id, upstream_headers::text AS h FROM mcps',
    );
    expect(after.rows).toEqual(before.rows);

    await h.db.query(
      `DELETE FROM mcps WHERE org_id = (SELECT org_id FROM mcps m WHERE m.upstream_headers ? 'X-Renamed')`,
    );
    const reply = await reencrypt();
    expect(reply).toEqual({
      service: 'key-service',
      store: 'mcps.upstream_headers',
      key_id: TEST_ENCRYPTION_KEY_ID,
      rows: reply.rows,
      reencrypted: 0,
      unchanged: reply.rows,
    });
    expect(reply.rows).toBeGreaterThanOrEqual(3);
  });

  it('re-encrypts values under an old key and in clear with the first key of a rotated keyring', async () => {
    const admin = await h.createAdmin('Rotate Inc');
    const mcp = await h.createMcp(admin, { upstream_headers: { Authorization: 'Bearer before-rotation' } });
    await h.db.query(
      `INSERT INTO mcps (id, org_id, name, mode, upstream_url, upstream_headers)
       VALUES ('mcp_legacy0003', $1, 'Plain', 'live', 'https://mcp.example.com/p', '{"X-Plain": "in-clear"}')`,
      [admin.org_id],
    );
    // Every instance of the queue group gets the rotated keyring: new key first, old one second.
    await h.service.close();
    const rotated = `${Keyring.generateEntry('k2')},${testEncryptionKeys()}`;
    const instance = await h.startInstance({ encryptionKeys: rotated });
    // Starting encrypted the plaintext row, under the new first key; the rest stays until asked.
    expect(encryptionKeyIdOf((await storedHeaders('mcp_legacy0003'))['X-Plain']!)).toBe('k2');
    expect(encryptionKeyIdOf((await storedHeaders(mcp.id)).Authorization!)).toBe(TEST_ENCRYPTION_KEY_ID);
    const underOldKey = await h.db.query(
      "SELECT id FROM mcps WHERE upstream_headers::text LIKE '%enc:v1:test:%'",
    );
    expect(underOldKey.rowCount).toBeGreaterThanOrEqual(2);
    const first = await h.rpc.call(SecretsSubjects.mcpHeaders, {}, reencryptSecretsReplySchema);
    expect(first).toMatchObject({ key_id: 'k2', reencrypted: underOldKey.rowCount });
    expect(first.unchanged).toBe(first.rows - first.reencrypted);
    expect(encryptionKeyIdOf((await storedHeaders(mcp.id)).Authorization!)).toBe('k2');
    expect(encryptionKeyIdOf((await storedHeaders('mcp_legacy0003'))['X-Plain']!)).toBe('k2');
    const again = await h.rpc.call(SecretsSubjects.mcpHeaders, {}, reencryptSecretsReplySchema);
    expect(again).toMatchObject({ key_id: 'k2', reencrypted: 0, unchanged: first.rows });
    await instance.close();

    // The old key can go.
    const newOnly = await h.startInstance({ encryptionKeys: rotated.split(',')[0] });
    expect((await resolve(mcp.id))?.upstream_headers).toEqual({ Authorization: 'Bearer before-rotation' });
    expect((await resolve('mcp_legacy0003'))?.upstream_headers).toEqual({ 'X-Plain': 'in-clear' });
    await newOnly.close();
  });
});
