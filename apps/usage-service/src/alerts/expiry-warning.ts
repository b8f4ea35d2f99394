import type { AlertCandidate } from './alerts.service.js';

const DAY_MS = 86_400_000;

/**
 * The `key_expiring` alert of a key expiring at `expiresAt`, the same whether it was noticed on
 * use or by the sweep of never-used keys: one subject (the expiry) and one cool-down (until a day
 * past it), so a key is warned once per expiry whichever path sees it first.
 */
export function expiryWarning(
  orgId: string,
  keyId: string,
  expiresAt: number,
  nowMs: number,
): AlertCandidate {
  const at = new Date(expiresAt).toISOString();
  return {
    orgId,
    keyId,
    type: 'key_expiring',
    subject: at,
    message: `Key expires on ${at}`,
    details: { expires_at: at, days_left: Math.floor((expiresAt - nowMs) / DAY_MS) },
    cooldownUntil: new Date(expiresAt + DAY_MS),
  };
}
