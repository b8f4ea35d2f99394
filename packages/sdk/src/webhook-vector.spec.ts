import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { WebhookVerificationError, signWebhook, verifyWebhook } from './index.js';

/**
 * The vector shared with the Python and Go SDKs (sdks/testdata): all three must sign and verify
 * it identically, so a payload signed by the server verifies in every language.
 */
interface Vector {
  secret: string;
  id: string;
  timestamp: number;
  body: string;
  signature: string;
}
const vector = JSON.parse(
  readFileSync(new URL('../../../sdks/testdata/webhook-vector.json', import.meta.url), 'utf8'),
) as Vector;
const headers = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
};
const now = vector.timestamp * 1000;

describe('shared webhook vector', () => {
  it('signs the vector to the recorded signature', () => {
    expect(signWebhook(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('verifies the vector and returns its payload', () => {
    expect(verifyWebhook(vector.body, headers, vector.secret, { now })).toEqual(JSON.parse(vector.body));
  });

  it('rejects the vector with one byte of the body changed, or another id', () => {
    expect(() => verifyWebhook(vector.body.replace('CW', 'CX'), headers, vector.secret, { now })).toThrow(
      WebhookVerificationError,
    );
    expect(() =>
      verifyWebhook(vector.body, { ...headers, 'webhook-id': 'msg_other' }, vector.secret, { now }),
    ).toThrow(WebhookVerificationError);
  });
});
