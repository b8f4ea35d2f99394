import { describe, expect, it } from '@jest/globals';
import { generate } from 'otplib';
import { TOTP_PERIOD_S, acceptTotp, newTotpSeed } from './totp.js';

const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

describe('TOTP', () => {
  const { secret, otpauthUrl } = newTotpSeed('ada@example.com');
  // The middle of a step, so ±1 step is exactly ±30 s away.
  const now = (Math.floor(Date.UTC(2026, 0, 1) / 1000 / TOTP_PERIOD_S) * TOTP_PERIOD_S + 15) * 1000;
  const step = now / 1000 / TOTP_PERIOD_S;

  it('gives an otpauth URL naming the issuer and the account', () => {
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/PlexMCP:ada%40example\.com\?/);
    expect(otpauthUrl).toContain(`secret=${secret}`);
  });

  it('accepts the current step and one step either side, and nothing further', async () => {
    expect(await acceptTotp(secret, await codeAt(secret, now), now, null)).toBe(Math.floor(step));
    expect(await acceptTotp(secret, await codeAt(secret, now - 30_000), now, null)).toBe(
      Math.floor(step) - 1,
    );
    expect(await acceptTotp(secret, await codeAt(secret, now + 30_000), now, null)).toBe(
      Math.floor(step) + 1,
    );
    expect(await acceptTotp(secret, await codeAt(secret, now - 60_000), now, null)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(secret, now + 60_000), now, null)).toBeNull();
  });

  it('refuses a code already used (same or older step), and a wrong code', async () => {
    const code = await codeAt(secret, now);
    const used = await acceptTotp(secret, code, now, null);
    expect(await acceptTotp(secret, code, now, used)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(secret, now - 30_000), now, used)).toBeNull();
    expect(await acceptTotp(secret, await codeAt(secret, now + 30_000), now + 30_000, used)).toBe(used! + 1);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await acceptTotp(secret, wrong, now, null)).toBeNull();
  });
});
