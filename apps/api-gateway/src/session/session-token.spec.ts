import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { sessionCookie, sessionTokenOf } from './session-cookie.js';
import { SESSION_SECRET_FILE, resolveSessionSecret } from './session-secret.js';
import { type SessionClaims, SessionTokens } from './session-token.js';

const claims: SessionClaims = {
  keyHash: 'a'.repeat(64),
  keyPrefix: 'pk_live_AbCd',
  keyLast4: 'wxyz',
  expiresAt: 2_000_000,
};

describe('SessionTokens', () => {
  const tokens = new SessionTokens(randomBytes(32));

  it('round-trips the claims of a signed token until it expires', () => {
    const token = tokens.sign(claims);
    expect(tokens.verify(token, 1_000_000)).toEqual(claims);
    expect(tokens.verify(token, 2_000_000)).toBeNull();
  });

  it('refuses a token signed with another secret or with altered claims', () => {
    const token = tokens.sign(claims);
    expect(new SessionTokens(randomBytes(32)).verify(token, 0)).toBeNull();
    const [v, payload, mac] = token.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), e: 9e15 }),
    ).toString('base64url');
    expect(tokens.verify(`${v}.${altered}.${mac}`, 0)).toBeNull();
    expect(tokens.verify('garbage', 0)).toBeNull();
  });

  it('binds the CSRF token to one session', () => {
    const a = tokens.sign(claims);
    const b = tokens.sign({ ...claims, expiresAt: claims.expiresAt + 1 });
    expect(tokens.checkCsrf(a, tokens.csrfFor(a))).toBe(true);
    expect(tokens.checkCsrf(a, tokens.csrfFor(b))).toBe(false);
    expect(tokens.checkCsrf(a, undefined)).toBe(false);
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, site-wide, and Secure only over HTTPS', () => {
    expect(sessionCookie('t', 60, false)).toBe(
      'plexmcp_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict',
    );
    expect(sessionCookie('t', 60, true)).toMatch(/; Secure$/);
  });

  it('is found among other cookies', () => {
    expect(sessionTokenOf('a=1; plexmcp_session=v1.x.y; b=2')).toBe('v1.x.y');
    expect(sessionTokenOf('a=1')).toBeNull();
    expect(sessionTokenOf(undefined)).toBeNull();
  });
});

describe('resolveSessionSecret', () => {
  const logger = pino({ level: 'silent' });

  it('prefers SESSION_SECRET', async () => {
    const secret = 'x'.repeat(40);
    await expect(resolveSessionSecret(secret, undefined, logger)).resolves.toEqual(Buffer.from(secret));
  });

  it('gives every instance sharing a data directory the same persisted secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-secret-'));
    try {
      const [a, b] = await Promise.all([
        resolveSessionSecret(undefined, dir, logger),
        resolveSessionSecret(undefined, dir, logger),
      ]);
      expect(a.equals(b)).toBe(true);
      await expect(resolveSessionSecret(undefined, dir, logger)).resolves.toEqual(a);
      expect(statSync(path.join(dir, SESSION_SECRET_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is never readable by the group or others: a new data dir is 0700, an old 0644 file becomes 0600', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'plexmcp-secret-'));
    const previous = process.umask(0o022); // a shell's usual umask: the modes must not depend on it
    try {
      const dir = path.join(parent, 'data');
      await resolveSessionSecret(undefined, dir, logger);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, SESSION_SECRET_FILE)).mode & 0o777).toBe(0o600);

      const old = path.join(parent, 'old');
      const file = path.join(old, SESSION_SECRET_FILE);
      await resolveSessionSecret(undefined, old, logger);
      const kept = 'k'.repeat(43);
      writeFileSync(file, `${kept}\n`);
      chmodSync(file, 0o644);
      await expect(resolveSessionSecret(undefined, old, logger)).resolves.toEqual(Buffer.from(kept));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
