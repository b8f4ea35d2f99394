import { describe, expect, it } from '@jest/globals';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature.js';

describe('Standard Webhooks signature', () => {
  it('matches the reference vector of the Standard Webhooks specification', () => {
    // Vector from the standard-webhooks reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('generates 32-byte secrets and verifies its own signatures within the tolerance only', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const now = 1_800_000_000;
    const signature = signWebhook(secret, 'whd_1', now, '{"a":1}');
    expect(verifyWebhook(secret, { id: 'whd_1', timestamp: String(now), signature }, '{"a":1}', now)).toBe(
      true,
    );
    expect(verifyWebhook(secret, { id: 'whd_1', timestamp: String(now), signature }, '{"a":2}', now)).toBe(
      false,
    );
    expect(
      verifyWebhook(secret, { id: 'whd_1', timestamp: String(now), signature }, '{"a":1}', now + 301),
    ).toBe(false);
  });
});
