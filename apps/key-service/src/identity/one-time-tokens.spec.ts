import { describe, expect, it } from '@jest/globals';
import { hashCredential } from '@plexmcp/contracts';
import { TOKEN_LIFETIME_MS, issueToken, tokenUsable } from './one-time-tokens.js';
import { hashRecoveryCode, isRecoveryCode, newRecoveryCodes } from './recovery-codes.js';

describe('one-time tokens', () => {
  const now = 1_000_000;

  it('are 256 random bits, stored as their SHA-256, living one day (links) or five minutes (sign-in step)', () => {
    const a = issueToken('set_password', now);
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toBe(hashCredential(a.secret));
    expect(a.expiresAt.getTime() - now).toBe(24 * 3_600_000);
    expect(issueToken('sign_in_challenge', now).expiresAt.getTime() - now).toBe(
      TOKEN_LIFETIME_MS.sign_in_challenge,
    );
    expect(issueToken('set_password', now).secret).not.toBe(a.secret);
  });

  it('work once, before they expire, for their own purpose only', () => {
    const token = { kind: 'set_password' as const, usedAt: null, expiresAt: new Date(now + 1000) };
    expect(tokenUsable(token, 'set_password', now)).toBe(true);
    expect(tokenUsable(token, 'set_password', now + 999)).toBe(true);
    expect(tokenUsable(token, 'set_password', now + 1000)).toBe(false);
    expect(tokenUsable({ ...token, usedAt: new Date(now) }, 'set_password', now)).toBe(false);
    expect(tokenUsable(token, 'sign_in_challenge', now)).toBe(false);
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes, matched whatever their case or surrounding spaces', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(isRecoveryCode(code)).toBe(true);
    expect(hashRecoveryCode(` ${codes[0]!.toUpperCase()} `)).toBe(hashRecoveryCode(codes[0]!));
    expect(isRecoveryCode('123456')).toBe(false);
  });
});
