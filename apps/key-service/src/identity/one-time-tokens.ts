import { newCredential, hashCredential } from '@plexmcp/contracts';
import type { OneTimeTokenKind } from './one-time-token.entity.js';

/** How long each kind of one-time token lives. */
export const TOKEN_LIFETIME_MS: Readonly<Record<OneTimeTokenKind, number>> = {
  /** A set-password or reset link: one day (a reset only proves control of the mailbox that day). */
  set_password: 24 * 3_600_000,
  /** Between a correct password and the TOTP code. */
  sign_in_challenge: 5 * 60_000,
  /** An invitation to an organization. */
  invitation: 7 * 24 * 3_600_000,
};

/** A fresh token: the secret to hand over (once) and what is stored. */
export function issueToken(
  kind: OneTimeTokenKind,
  now: number,
): { secret: string; hash: string; expiresAt: Date } {
  const secret = newCredential();
  return { secret, hash: hashCredential(secret), expiresAt: new Date(now + TOKEN_LIFETIME_MS[kind]) };
}

/** Whether a stored token may still be used at `now`: never used, not expired, of the kind asked. */
export function tokenUsable(
  token: { kind: OneTimeTokenKind; usedAt: Date | null; expiresAt: Date },
  kind: OneTimeTokenKind,
  now: number,
): boolean {
  return token.kind === kind && token.usedAt === null && token.expiresAt.getTime() > now;
}
