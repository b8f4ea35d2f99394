import { createHmac, timingSafeEqual } from 'node:crypto';
import { PlexMCPError } from './errors.js';

export class WebhookVerificationError extends PlexMCPError {}

export interface WebhookHeaders {
  'webhook-id'?: string | null;
  'webhook-timestamp'?: string | null;
  'webhook-signature'?: string | null;
}

function header(
  headers: WebhookHeaders | Headers | Record<string, string | string[] | undefined>,
  name: string,
): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** `v1,<base64>` for one message, per Standard Webhooks: HMAC-SHA256 of `id.timestamp.body`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * Verifies a Standard Webhooks delivery (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * against the endpoint's `whsec_…` secret and returns the parsed payload. Pass the raw body text
 * exactly as received. Rejects stale or future timestamps beyond the tolerance (default 5 min).
 */
export function verifyWebhook<T = unknown>(
  body: string,
  headers: WebhookHeaders | Headers | Record<string, string | string[] | undefined>,
  secret: string,
  { toleranceSeconds = 300, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): T {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook headers');
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) throw new WebhookVerificationError('Invalid webhook-timestamp');
  if (Math.abs(now / 1000 - ts) > toleranceSeconds) {
    throw new WebhookVerificationError('Webhook timestamp outside the tolerance window');
  }
  const expected = Buffer.from(signWebhook(secret, id, ts, body).slice(3), 'base64');
  const ok = signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookVerificationError('No matching webhook signature');
  return JSON.parse(body) as T;
}
