import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AlertThresholdsView, ApiKeyView } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import type { Page } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  type System,
  ensureDashboardBuilt,
  launchChromium,
  startSystem,
} from './support/system.js';
import {
  type CallInit,
  callApi,
  goToSection,
  screenshot,
  shownKeyIds as listedKeyIds,
} from './support/browser.js';

const OFFICE_IP = '203.0.113.7';
const OTHER_IP = '8.8.8.8';

/**
 * The key controls in a real browser against the real system: a key created with tags, metadata
 * and its own IP allowlist; the Keys list filtered by tag and searched by metadata; Disable and
 * Enable, with the real gateway refusing and then accepting the key; the Edit dialog's labels; the
 * organization's alert thresholds edited on the Alerts page and read back over REST.
 */
describe('dashboard key controls in Chromium', () => {
  let system: System;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let base: string;
  let adminKey: string;
  let secret: string;
  let keyId: string;
  let plainId: string;

  const shot = (name: string) => screenshot(page, name);
  const api = (urlPath: string, key: string, init: CallInit = {}) => callApi(base, urlPath, key, init);
  const getKey = async (id: string) =>
    ((await (await api(`/v1/keys/${id}`, adminKey)).json()) as { data: ApiKeyView }).data;
  const shownKeyIds = () => listedKeyIds(page);
  const goTo = (label: string) => goToSection(page, label);
  /** Retries `read` until `check` passes on what it returns (the page settles after a filter). */
  const until = <T>(read: () => Promise<T>, check: (value: T) => void) =>
    waitFor(async () => {
      check(await read());
      return true;
    });
  const sideways = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    system = await startSystem('controls');
    base = system.gateway.url;
    adminKey = system.org.admin_key.secret;
    chromium = await launchChromium();
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/dashboard/`);
    await page.getByRole('button', { name: 'Sign in with an admin key' }).click();
    await page.getByLabel('Organization admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'API Keys' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await system?.close();
  });

  it('creates a key with tags, metadata and an IP allowlist that the gateway enforces', async () => {
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Payments worker');
    await page.getByLabel('Tags (comma separated)').fill('prod, billing');
    await page.getByLabel(/^Metadata/).fill('team=payments\nowner=ana');
    await page.getByLabel(/^IP allowlist/).fill('203.0.113.0/24');
    await shot('key-controls-create');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.getByTestId('one-time-secret');
    await secretField.waitFor();
    secret = await secretField.inputValue();
    await page.getByRole('button', { name: 'I have copied it' }).click();

    const me = await api('/v1/me', secret, { ip: OFFICE_IP });
    expect(me.status).toBe(200);
    keyId = ((await me.json()) as { data: { id: string } }).data.id;
    expect(await getKey(keyId)).toMatchObject({
      tags: ['prod', 'billing'],
      metadata: { team: 'payments', owner: 'ana' },
      ip_allowlist: ['203.0.113.0/24'],
    });
    // Outside its allowlist the key is refused.
    expect((await api('/v1/me', secret, { ip: OTHER_IP })).status).toBe(403);

    // A metadata line without "=" is refused in the form, before any request.
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Broken labels');
    await page.getByLabel(/^Metadata/).fill('no pair here');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('dialog').getByRole('alert').textContent()).resolves.toContain(
      'must be key=value',
    );
    // A malformed CIDR is the gateway's 400, shown in the dialog.
    await page.getByLabel(/^Metadata/).fill('');
    await page.getByLabel(/^IP allowlist/).fill('300.1.2.3/8');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('dialog').getByRole('alert').textContent()).resolves.toContain('CIDR');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows tags and metadata in the list, filters by tag and searches metadata', async () => {
    const res = await api('/v1/keys', adminKey, {
      method: 'POST',
      body: { name: 'Plain key', tags: ['staging'], expires_in: '30d' },
    });
    expect(res.status).toBe(201);
    plainId = ((await res.json()) as { data: ApiKeyView }).data.id;
    await page.reload();
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/prod.*billing.*team: payments/);
    await page.locator(`tr[data-key-id="${plainId}"]`).waitFor();

    await page.getByLabel('Tag', { exact: true }).selectOption('prod');
    await until(shownKeyIds, (v) => expect(v).toEqual([keyId]));
    await shot('key-controls-tag-filter');
    await page.getByLabel('Tag', { exact: true }).selectOption('staging');
    await until(shownKeyIds, (v) => expect(v).toEqual([plainId]));
    await page.getByLabel('Tag', { exact: true }).selectOption('any');

    await page.getByLabel('Search keys').fill('team:payments');
    await until(shownKeyIds, (v) => expect(v).toEqual([keyId]));
    await page.getByLabel('Search keys').fill('');
  });

  it('disables a key (the gateway refuses it at once), lists it as disabled, then enables it again', async () => {
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    await row.getByRole('button', { name: 'Disable Payments worker' }).click();
    await row.locator('.status-disabled').waitFor();
    await page.getByRole('status').getByText('Disabled Payments worker.').waitFor();
    const refused = await api('/v1/me', secret, { ip: OFFICE_IP });
    expect(refused.status).toBe(401);
    expect((await getKey(keyId)).status).toBe('disabled');

    await page.getByLabel('Status', { exact: true }).selectOption('disabled');
    await until(shownKeyIds, (v) => expect(v).toEqual([keyId]));
    await shot('key-controls-disabled');
    await page.getByLabel('Status', { exact: true }).selectOption('active');
    await until(shownKeyIds, (v) => expect(v).not.toContain(keyId));
    await page.getByLabel('Status', { exact: true }).selectOption('current');

    await row.getByRole('button', { name: 'Enable Payments worker' }).click();
    await row.locator('.status-active').waitFor();
    expect((await api('/v1/me', secret, { ip: OFFICE_IP })).status).toBe(200);
  });

  it('edits tags, metadata and the allowlist in the Edit dialog', async () => {
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    await row.getByRole('button', { name: 'Edit Payments worker' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Tags (comma separated)').inputValue()).resolves.toBe('prod, billing');
    await expect(dialog.getByLabel(/^Metadata/).inputValue()).resolves.toBe('team=payments\nowner=ana');
    await dialog.getByLabel('Tags (comma separated)').fill('prod');
    await dialog.getByLabel(/^Metadata/).fill('team=risk');
    await dialog.getByLabel(/^IP allowlist/).fill('');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Saved Payments worker.').waitFor();
    expect(await getKey(keyId)).toMatchObject({
      tags: ['prod'],
      metadata: { team: 'risk' },
      ip_allowlist: null,
    });
    // No allowlist any more: any address may use it.
    expect((await api('/v1/me', secret, { ip: OTHER_IP })).status).toBe(200);
  });

  it('edits the alert thresholds on the Alerts page and reads them back over REST', async () => {
    await goTo('Alerts');
    const section = page.getByRole('region', { name: 'Alert thresholds' });
    const field = section.getByLabel('Request spike: minimum requests per minute');
    const before = (await (await api('/v1/alerts/thresholds', adminKey)).json()) as {
      data: AlertThresholdsView;
    };
    await until(
      () => field.inputValue(),
      (v) => expect(v).toBe(String(before.data.thresholds.request_min_per_minute)),
    );
    await field.fill('500');
    await section.getByLabel('Error spike: minimum error rate (0–1)').fill('0.37');
    await section.getByRole('button', { name: 'Save thresholds' }).click();
    await section.getByRole('status').getByText('Thresholds saved.').waitFor();
    await shot('alert-thresholds');
    const after = (await (await api('/v1/alerts/thresholds', adminKey)).json()) as {
      data: AlertThresholdsView;
    };
    expect(after.data.overrides).toEqual({ request_min_per_minute: 500, error_min_rate: 0.37 });
    expect(after.data.thresholds).toMatchObject({ request_min_per_minute: 500, error_min_rate: 0.37 });
    await until(
      () => section.getByText('own', { exact: true }).count(),
      (v) => expect(v).toBe(2),
    );

    // An out-of-range value is the gateway's 400, shown beside the form; nothing changes.
    await section.getByLabel('Error spike: minimum error rate (0–1)').fill('7');
    await section.getByRole('button', { name: 'Save thresholds' }).click();
    await section.getByRole('alert').waitFor();
    const unchanged = (await (await api('/v1/alerts/thresholds', adminKey)).json()) as {
      data: AlertThresholdsView;
    };
    expect(unchanged.data.overrides).toEqual(after.data.overrides);

    // A key with alerts:read only may read them but not change them.
    const reader = await api('/v1/keys', adminKey, {
      method: 'POST',
      body: { name: 'alerts reader', scopes: ['alerts:read'], expires_in: '30d' },
    });
    const readerSecret = ((await reader.json()) as { data: { secret: string } }).data.secret;
    expect((await api('/v1/alerts/thresholds', readerSecret)).status).toBe(200);
    const put = await api('/v1/alerts/thresholds', readerSecret, {
      method: 'PUT',
      body: { request_min_per_minute: 1 },
    });
    expect(put.status).toBe(403);

    await section.getByRole('button', { name: 'Restore defaults' }).click();
    await section.getByRole('status').getByText('Defaults restored.').waitFor();
    const restored = (await (await api('/v1/alerts/thresholds', adminKey)).json()) as {
      data: AlertThresholdsView;
    };
    expect(restored.data.overrides).toEqual({});
  });

  it('fits a 390 px wide phone screen with the new fields and columns', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('region', { name: 'Alert thresholds' }).waitFor();
      expect(await sideways()).toBeLessThanOrEqual(0);
      await shot('phone-alert-thresholds');
      await goTo('API Keys');
      await page.locator(`tr[data-key-id="${keyId}"]`).waitFor();
      expect(await sideways()).toBeLessThanOrEqual(0);
      await page.getByRole('button', { name: 'Create API Key' }).click();
      await page.getByLabel('Tags (comma separated)').waitFor();
      expect(await sideways()).toBeLessThanOrEqual(0);
      await shot('phone-key-controls-create');
      await page.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
