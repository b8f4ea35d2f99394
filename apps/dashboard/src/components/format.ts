const DAY_MS = 86_400_000;
/** Keys closer than this to their expiry are flagged. */
export const EXPIRY_WARNING_DAYS = 14;

/** `pk_live_AbCd…wxyz`: enough to recognise a key, never enough to use it. */
export function maskedKey(prefix: string, last4: string): string {
  return `${prefix}…${last4}`;
}

export function formatDate(iso: string | null): string {
  if (iso === null) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function daysUntil(iso: string, now = Date.now()): number {
  return Math.ceil((Date.parse(iso) - now) / DAY_MS);
}

export function formatNumber(n: number | null): string {
  return n === null ? '—' : n.toLocaleString();
}

export function formatMs(n: number | null): string {
  return n === null ? '—' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })} ms`;
}
