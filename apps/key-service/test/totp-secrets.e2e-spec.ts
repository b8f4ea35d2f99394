import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ErrorCode,
  IdentitySubjects,
  SecretsSubjects,
  Subjects,
  createdOrgSchema,
  hashCredential,
  openedSessionSchema,
  reencryptSecretsReplySchema,
  signInReplySchema,
  totpConfirmedSchema,
  totpEnrollmentSchema,
} from '@plexmcp/contracts';
import { Keyring, encryptionKeyIdOf, isEncrypted } from '@plexmcp/service-kit';
import { TEST_ENCRYPTION_KEY_ID, testEncryptionKeys } from '@plexmcp/service-kit/testing';
import { generate } from 'otplib';
import { type Harness, rejection, startHarness } from './support/harness.js';

const PASSWORD = 'correct horse battery staple';
const client = { ip: null, user_agent: null };
const freshHash = () => hashCredential(randomBytes(32).toString('base64url'));

/**
 * People's TOTP seeds at rest: sealed to their user, and moved to a new key by `secrets reencrypt`
 * like every other secret, so that dropping the old key afterwards does not lock anyone out of a
 * two-factor sign-in.
 */
describe('TOTP seeds at rest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('totpsecrets');
  });
  afterAll(async () => {
    await h?.close();
  });

  const storedSeed = async (userId: string): Promise<string> => {
    const { rows } = await h.db.query<{ totp_secret: string }>(
      'SELECT totp_secret FROM users WHERE id = $1',
      [userId],
    );
    return rows[0]!.totp_secret;
  };
  /** The keyring after rotation: a new key first, the old one second. */
  const rotated = `${Keyring.generateEntry('k2')},${testEncryptionKeys()}`;
  const reencrypt = () => h.rpc.call(SecretsSubjects.totpSeeds, {}, reencryptSecretsReplySchema);

  /** An owner who set a password and turned TOTP on: their id, email and seed. */
  const enrolledOwner = async (name: string, email: string) => {
    const org = await h.rpc.call(Subjects.orgs.create, { name, owner_email: email }, createdOrgSchema);
    const sessionHash = freshHash();
    await h.rpc.call(
      IdentitySubjects.setPassword,
      {
        token_hash: hashCredential(org.owner!.set_password_token),
        password: PASSWORD,
        session_hash: sessionHash,
        ...client,
      },
      signInReplySchema,
    );
    const { secret } = await h.rpc.call(
      IdentitySubjects.totpEnroll,
      { session_hash: sessionHash },
      totpEnrollmentSchema,
    );
    await h.rpc.call(
      IdentitySubjects.totpConfirm,
      { session_hash: sessionHash, code: await generate({ secret }) },
      totpConfirmedSchema,
    );
    return { userId: org.owner!.user_id, email, secret };
  };

  /** Both sign-in steps, the second with the code of the next 30-s step (the current one was used). */
  const signInWithTotp = async (email: string, secret: string) => {
    const challenge = freshHash();
    const first = await h.rpc.call(
      IdentitySubjects.signIn,
      { email, password: PASSWORD, org_id: null, session_hash: challenge, ...client },
      signInReplySchema,
    );
    expect(first.status).toBe('totp_required');
    return h.rpc.call(
      IdentitySubjects.signInTotp,
      {
        challenge_hash: challenge,
        code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
        session_hash: freshHash(),
        ...client,
      },
      openedSessionSchema,
    );
  };

  it('re-encrypts the seeds under the new first key; the old key can then go and TOTP sign-in still works', async () => {
    const person = await enrolledOwner('Two Factor Co', 'owner@twofactor.test');
    const sealed = await storedSeed(person.userId);
    expect(isEncrypted(sealed)).toBe(true);
    expect(encryptionKeyIdOf(sealed)).toBe(TEST_ENCRYPTION_KEY_ID);
    expect(sealed).not.toContain(person.secret);

    // Every instance gets the rotated keyring: new key first, old one second.
    await h.service.close();
    const instance = await h.startInstance({ encryptionKeys: rotated });
    // Nothing moves until asked: seeds are never stored in clear, so start-up has nothing to do.
    expect(encryptionKeyIdOf(await storedSeed(person.userId))).toBe(TEST_ENCRYPTION_KEY_ID);
    const first = await reencrypt();
    expect(first).toEqual({
      service: 'key-service',
      store: 'users.totp_secret',
      key_id: 'k2',
      rows: 1,
      reencrypted: 1,
      unchanged: 0,
    });
    expect(encryptionKeyIdOf(await storedSeed(person.userId))).toBe('k2');
    expect(await reencrypt()).toMatchObject({ key_id: 'k2', rows: 1, reencrypted: 0, unchanged: 1 });
    await instance.close();

    const newOnly = await h.startInstance({ encryptionKeys: rotated.split(',')[0] });
    expect(await signInWithTotp(person.email, person.secret)).toMatchObject({ user_id: person.userId });
    await newOnly.close();
  });

  it('refuses a seed copied from another person, and a re-encryption that meets it changes nothing', async () => {
    // Both keys, so the only value it cannot read is the copied one.
    await h.startInstance({ encryptionKeys: rotated });
    const victim = await enrolledOwner('Victim Co', 'victim@copy.test');
    const attacker = await enrolledOwner('Attacker Co', 'attacker@copy.test');
    await h.db.query('UPDATE users SET totp_secret = $2 WHERE id = $1', [
      attacker.userId,
      await storedSeed(victim.userId),
    ]);
    // The victim's codes do not open the attacker's account: the sealed seed is bound to its user.
    const error = await rejection(signInWithTotp(attacker.email, victim.secret));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).not.toContain(victim.secret);

    const before = await h.db.query('SELECT id, totp_secret FROM users ORDER BY id');
    const refused = await rejection(reencrypt());
    expect(refused.code).toBe(ErrorCode.InternalError);
    expect(refused.message).toMatch(/^users\.totp_secret:usr_\w+: authentication failed/);
    expect((await h.db.query('SELECT id, totp_secret FROM users ORDER BY id')).rows).toEqual(before.rows);
  });
});
