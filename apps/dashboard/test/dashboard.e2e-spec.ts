import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor, WebhookReceiver } from '@plexmcp/service-kit/testing';
import type { BrowserContext, Page } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  type System,
  ensureDashboardBuilt,
  launchChromium,
  startSystem,
} from './support/system.js';

const GERMAN_IP = '193.99.144.80';
const US_IP = '8.8.8.8';

/**
 * The dashboard in a real browser against the real system: sign-in with an admin key, the API
 * Keys page's one-time reveal and revoke, MCPs, usage, a new_location alert, webhooks, and the
 * session cookie's properties. One browser, one system, the steps in order.
 */
describe('dashboard in Chromium', () => {
  let system: System;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const receiver = new WebhookReceiver();
  let adminKey: string;
  let base: string;
  let createdSecret: string;
  let createdKeyId: string;

  const shot = (name: string) =>
    page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  const api = (urlPath: string, key: string, init: { method?: string; ip?: string } = {}) =>
    fetch(base + urlPath, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${key}`, ...(init.ip ? { 'x-forwarded-for': init.ip } : {}) },
    });

  const goTo = async (label: string) => {
    await page
      .getByRole('navigation', { name: 'Dashboard sections' })
      .getByRole('link', { name: label })
      .click();
    await page.getByRole('heading', { level: 1, name: label }).waitFor();
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    system = await startSystem('browser');
    base = system.gateway.url;
    adminKey = system.org.admin_key.secret;
    chromium = await launchChromium();
    context = chromium.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    await receiver.start();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await receiver.stop();
    await system?.close();
  });

  it('signs in with an admin key into an HttpOnly, SameSite=Strict session and keeps the key nowhere in the page', async () => {
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('Organization admin API key').waitFor();
    await shot('sign-in');
    await page.getByLabel('Organization admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'API Keys' }).waitFor();

    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'plexmcp_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session!.value).not.toContain(adminKey);

    const exposed = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      sessionStore: JSON.stringify({ ...sessionStorage }),
      html: document.documentElement.outerHTML,
      values: Array.from(document.querySelectorAll('input, textarea')).map(
        (el) => (el as HTMLInputElement).value,
      ),
    }));
    expect(exposed.cookie).not.toContain('plexmcp_session');
    for (const text of [
      exposed.cookie,
      exposed.local,
      exposed.sessionStore,
      exposed.html,
      ...exposed.values,
    ]) {
      expect(text).not.toContain(adminKey);
    }
    // The page's key is shown masked, as on the keys list.
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain(
      `${system.org.admin_key.key.prefix}…${system.org.admin_key.key.last4}`,
    );

    // A state-changing request with the cookie but without the CSRF token is refused.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/v1/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'forged' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
  });

  it('registers an MCP, shows API errors readably, creates a key with a one-time secret that lists MCPs, then revokes it', async () => {
    await goTo('MCPs');
    await page.getByRole('button', { name: 'Register MCP' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Weather');
    await page.getByLabel('Upstream URL').fill('http://user:pw@127.0.0.1:9/mcp');
    await page.getByRole('dialog').getByRole('button', { name: 'Register MCP' }).click();
    await expect(page.getByRole('dialog').getByRole('alert').textContent()).resolves.toMatch(
      /^Invalid input: /,
    );
    await page.getByLabel('Upstream URL').fill('http://127.0.0.1:9/mcp');
    await page.getByLabel(/Upstream headers/).fill('X-Upstream-Token: s3cret');
    await page.getByRole('dialog').getByRole('button', { name: 'Register MCP' }).click();
    const row = page.getByRole('row', { name: /Weather/ });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('X-Upstream-Token');
    await expect(page.content()).resolves.not.toContain('s3cret');
    await shot('mcps');

    await goTo('API Keys');
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('CI worker');
    await page.getByLabel('Expiration').selectOption('30d');
    await page.getByRole('checkbox', { name: 'usage:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.getByTestId('one-time-secret');
    await secretField.waitFor();
    await page.getByText('this is shown only once').waitFor();
    createdSecret = await secretField.inputValue();
    expect(createdSecret).toMatch(/^pk_live_[A-Za-z0-9]{38}$/);
    await shot('api-keys-create-reveal');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(page.content()).resolves.not.toContain(createdSecret);

    // The secret works for a client, first from Germany, then from the US (X-Forwarded-For).
    for (const ip of [GERMAN_IP, US_IP]) {
      const res = await api('/v1/mcps', createdSecret, { ip });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { name: string }[] };
      expect(body.data.map((m) => m.name)).toEqual(['Weather']);
    }
    const me = (await (await api('/v1/me', createdSecret)).json()) as { data: { id: string } };
    createdKeyId = me.data.id;

    const keyRow = page.locator(`tr[data-key-id="${createdKeyId}"]`);
    await expect(keyRow.textContent()).resolves.toContain('pk_live_');
    await shot('api-keys');
    await keyRow.getByRole('button', { name: 'Revoke CI worker' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await keyRow.getByText('revoked', { exact: true }).waitFor();
    const rejected = await api('/v1/mcps', createdSecret);
    expect(rejected.status).toBe(401);
    expect(((await rejected.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it("shows the key's requests on the Usage page", async () => {
    await goTo('Usage');
    await page.getByLabel('Show').selectOption(createdKeyId);
    await page.getByLabel('Period').selectOption('1h');
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        const total = await page
          .getByTestId('total-requests')
          .textContent({ timeout: 2_000 })
          .catch(() => null);
        return total !== null && Number(total.replace(/\D/g, '')) >= 3 ? total : null;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const countries = page.getByRole('table').filter({ hasText: 'Country' });
    await expect(countries.textContent()).resolves.toMatch(/DE.*US|US.*DE/);
    await shot('usage');
  });

  it('shows the new_location alert raised for the US request and acknowledges it', async () => {
    await goTo('Alerts');
    const alertRow = page.locator('tr[data-alert-type="new_location"]');
    await waitFor(
      async () => {
        if ((await alertRow.count()) > 0) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        return null;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await expect(alertRow.textContent()).resolves.toContain('US');
    await expect(alertRow.textContent()).resolves.toContain(createdKeyId);
    await shot('alerts');
    const alertId = await alertRow.getAttribute('data-alert-id');
    await alertRow.getByRole('button', { name: /Acknowledge/ }).click();
    await alertRow.waitFor({ state: 'detached' });
    const acked = (await (await api(`/v1/alerts?status=acknowledged`, adminKey)).json()) as {
      data: { id: string; status: string }[];
    };
    expect(acked.data.find((a) => a.id === alertId)?.status).toBe('acknowledged');
  });

  it('adds a webhook (secret shown once), sends a test and lists its delivery', async () => {
    await goTo('Webhooks');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('dialog').getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.getByTestId('one-time-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(/Test event queued/).waitFor();
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh deliveries' }).click();
        return (await page.getByRole('cell', { name: 'succeeded' }).count()) > 0 ? true : null;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await shot('webhooks');
  });

  it('ends the session when its key is revoked', async () => {
    const revoked = await api(`/v1/keys/${system.org.admin_key.key.id}`, adminKey, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const status = await page.evaluate(async () => (await fetch('/v1/keys')).status);
    expect(status).toBe(401);
    await page.reload();
    await page.getByLabel('Organization admin API key').waitFor();
    const session = await page.evaluate(async () => (await fetch('/dashboard/api/session')).status);
    expect(session).toBe(401);
  });
});
