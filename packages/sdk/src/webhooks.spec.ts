import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { WebhookVerificationError, signWebhook, verifyWebhook } from './index.js';

describe('verifyWebhook (Standard Webhooks)', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({ type: 'alert.new_location', data: { country: 'US' } });
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const headers = {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(ts),
    'webhook-signature': signWebhook(secret, 'msg_1', ts, body),
  };

  it('accepts a correctly signed payload and returns it parsed', () => {
    expect(verifyWebhook(body, headers, secret, { now })).toEqual(JSON.parse(body));
    // Several signatures (key rotation) separated by spaces: any match is enough.
    const multi = { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` };
    expect(verifyWebhook(body, new Headers(multi), secret, { now })).toEqual(JSON.parse(body));
  });

  it('rejects a tampered body, a wrong secret, a stale timestamp and missing headers', () => {
    expect(() => verifyWebhook(body.replace('US', 'DE'), headers, secret, { now })).toThrow(
      WebhookVerificationError,
    );
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => verifyWebhook(body, headers, other, { now })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(body, headers, secret, { now: now + 301_000 })).toThrow(/tolerance/);
    expect(() => verifyWebhook(body, { 'webhook-id': 'msg_1' }, secret, { now })).toThrow(/Missing/);
  });
});
