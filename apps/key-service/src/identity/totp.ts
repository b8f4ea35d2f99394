import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;
/**
 * A code is accepted in its own step and one step either side (±30 s of clock drift between the
 * phone and the server), never further.
 */
export const TOTP_TOLERANCE_S = TOTP_PERIOD_S;

export const TOTP_ISSUER = 'PlexMCP';

/** A fresh seed (base32, 20 bytes) and the `otpauth://` URL an authenticator app scans. */
export function newTotpSeed(email: string): { secret: string; otpauthUrl: string } {
  const secret = generateSecret({ length: 20 });
  return { secret, otpauthUrl: generateURI({ issuer: TOTP_ISSUER, label: email, secret }) };
}

/**
 * The time step of `code` when it is valid at `nowMs` for `secret`, and newer than `lastStep`
 * (the step of the last code this user had accepted: an older or equal step is a replay); null
 * otherwise.
 */
export async function acceptTotp(
  secret: string,
  code: string,
  nowMs: number,
  lastStep: number | null,
): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    period: TOTP_PERIOD_S,
    epochTolerance: TOTP_TOLERANCE_S,
    ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
  }).catch(() => null);
  if (result === null || !result.valid || !('timeStep' in result)) return null;
  return result.timeStep;
}
