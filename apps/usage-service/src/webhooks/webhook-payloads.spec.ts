import { describe, expect, it } from '@jest/globals';
import { type AlertView, alertWebhookPayloadSchema, testWebhookPayloadSchema } from '@plexmcp/contracts';
import { alertWebhookBody, testWebhookBody } from './webhook-payloads.js';

const alert: AlertView = {
  id: 'alert_0000000000000000000001',
  object: 'alert',
  organization_id: 'org_0000000000000000000001',
  key_id: 'key_0000000000000000000001',
  type: 'new_location',
  status: 'open',
  message: 'Request from a new country: FR',
  details: { country: 'FR', known_countries: ['DE'] },
  created_at: '2026-01-02T03:04:05.000Z',
  acknowledged_at: null,
};

describe('webhook payloads', () => {
  it('an alert becomes alert.<type> with the alert as data, stamped with its creation time', () => {
    const { eventType, body } = alertWebhookBody(alert);
    expect(eventType).toBe('alert.new_location');
    expect(alertWebhookPayloadSchema.parse(JSON.parse(body))).toEqual({
      type: 'alert.new_location',
      timestamp: alert.created_at,
      data: alert,
    });
  });

  it('an alert that does not match its contract is refused rather than sent', () => {
    expect(() => alertWebhookBody({ ...alert, created_at: 'yesterday' })).toThrow();
  });

  it('a test delivery names its webhook', () => {
    const { eventType, body } = testWebhookBody('wh_0000000000000000000001', new Date(0));
    expect(eventType).toBe('webhook.test');
    expect(testWebhookPayloadSchema.parse(JSON.parse(body))).toMatchObject({
      timestamp: '1970-01-01T00:00:00.000Z',
      data: { webhook_id: 'wh_0000000000000000000001' },
    });
  });
});
