import type { UsageRequest } from '@plexmcp/contracts';

export type Granularity = UsageRequest['granularity'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Start (UTC, ms) of the bucket holding `ms`. */
export function bucketStart(ms: number, granularity: Granularity): number {
  const size = granularity === 'minute' ? MINUTE : granularity === 'hour' ? HOUR : DAY;
  return Math.floor(ms / size) * size;
}

export function bucketSizeMs(granularity: Granularity): number {
  return granularity === 'minute' ? MINUTE : granularity === 'hour' ? HOUR : DAY;
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

export function startOfUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function startOfNextUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The limit period holding `ms` and when it resets (start of the next UTC day or month). */
export function limitPeriod(ms: number, period: 'day' | 'month'): { start: number; resetAt: number } {
  if (period === 'day') {
    const start = startOfUtcDay(ms);
    return { start, resetAt: start + DAY };
  }
  return { start: startOfUtcMonth(ms), resetAt: startOfNextUtcMonth(ms) };
}
