import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiKeyView, Subjects, organizationViewSchema } from '@plexmcp/contracts';
import { waitFor, WebhookReceiver } from '@plexmcp/service-kit/testing';
import type { BrowserContext, Page, Request } from 'playwright-core';
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

const GERMAN_IP = '193.99.144.80';
const US_IP = '8.8.8.8';

const DAY = 86_400_000;
const MONTHLY_LIMIT = 1_000_000;

/**
 * The dashboard in a real browser against the real system: sign-in with an admin key, the API
 * Keys page's one-time reveal, edit, filters, rotation and revoke, MCPs, usage, a new_location
 * alert, webhooks, the audit log and its filters, what a stale or failed request leaves on screen,
 * a phone-sized screen, and the session cookie's properties. One browser, one system, the steps in
 * order.
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
  let weatherId: string;

  const shot = (name: string) => screenshot(page, name);
  const api = (urlPath: string, key: string, init: CallInit = {}) => callApi(base, urlPath, key, init);
  /** A key made over the REST API with the admin key, as another client of the organization would. */
  const createKey = async (body: Record<string, unknown>, key = adminKey) => {
    const res = await api('/v1/keys', key, { method: 'POST', body });
    expect(res.status).toBe(201);
    return ((await res.json()) as { data: ApiKeyView & { secret: string } }).data;
  };
  const getKey = async (id: string) =>
    ((await (await api(`/v1/keys/${id}`, adminKey)).json()) as { data: ApiKeyView }).data;
  const shownKeyIds = () => listedKeyIds(page);
  /**
   * Nothing on the page reaches past the window's right edge (but what a box clips, like the
   * visually hidden table header), nothing scrolls sideways inside its box (a table in a scrolling
   * wrapper), and the document does not scroll sideways.
   */
  const horizontalOverflow = () =>
    page.evaluate(() => {
      const doc = document.documentElement;
      const edge = doc.clientWidth + 1;
      const name = (el: Element) => `${el.tagName.toLowerCase()}.${el.className}`;
      const all = Array.from(document.querySelectorAll('body *'));
      const clipped = (el: Element): boolean => {
        for (let up = el.parentElement; up !== null; up = up.parentElement) {
          const overflow = getComputedStyle(up).overflowX;
          if ((overflow === 'hidden' || overflow === 'clip') && up.getBoundingClientRect().right <= edge) {
            return true;
          }
        }
        return false;
      };
      const wide = all.filter((el) => el.getBoundingClientRect().right > edge && !clipped(el)).map(name);
      const scrolling = all
        .filter((el) => {
          const overflow = getComputedStyle(el).overflowX;
          return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1;
        })
        .map(name);
      return {
        scrollWidth: doc.scrollWidth,
        clientWidth: doc.clientWidth,
        wide: wide.slice(0, 5),
        scrolling: scrolling.slice(0, 5),
      };
    });

  const goTo = (label: string) => goToSection(page, label);

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    system = await startSystem('browser');
    base = system.gateway.url;
    adminKey = system.org.admin_key.secret;
    await system.rpc.call(
      Subjects.orgs.update,
      { id: system.org.organization.id, body: { monthly_request_limit: MONTHLY_LIMIT } },
      organizationViewSchema,
    );
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
    await page.getByLabel('Email').waitFor();
    await shot('sign-in');
    // Break-glass: the admin-key form (DASHBOARD_KEY_SIGN_IN=true on this gateway).
    await page.getByRole('button', { name: 'Sign in with an admin key' }).click();
    await page.getByLabel('Organization admin API key').waitFor();
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
    // The page's key is shown masked, as on the keys list; the organization and its limit beside it.
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain(
      `${system.org.admin_key.key.prefix}…${system.org.admin_key.key.last4}`,
    );
    await expect(page.getByTestId('organization').textContent()).resolves.toContain(
      `monthly limit ${MONTHLY_LIMIT.toLocaleString('en-US')} requests`,
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

  it('registers an MCP, shows API errors readably with their remedy, creates a key with limits and a one-time secret that lists MCPs by name, then revokes it', async () => {
    await goTo('MCPs');
    await page.getByRole('button', { name: 'Register MCP' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Weather');
    await page.getByLabel('Upstream URL').fill('http://user:pw@127.0.0.1:9/mcp');
    await page.getByRole('dialog').getByRole('button', { name: 'Register MCP' }).click();
    await expect(page.getByRole('dialog').getByRole('alert').textContent()).resolves.toMatch(
      /^Invalid input: /,
    );
    // A private network outside MCP_UPSTREAM_ALLOWED_NETWORKS: the error says what would allow it.
    await page.getByLabel('Upstream URL').fill('http://10.20.30.40/mcp');
    await page.getByRole('dialog').getByRole('button', { name: 'Register MCP' }).click();
    const refusal = page.getByRole('dialog').getByRole('alert');
    await refusal.getByText(/How to fix: .*MCP_UPSTREAM_ALLOWED_NETWORKS/).waitFor();
    await shot('mcps-error-remedy');
    await page.getByLabel('Upstream URL').fill('http://127.0.0.1:9/mcp');
    await page.getByLabel(/Upstream headers/).fill('X-Upstream-Token: s3cret');
    await page.getByRole('dialog').getByRole('button', { name: 'Register MCP' }).click();
    const row = page.getByRole('row', { name: /Weather/ });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('X-Upstream-Token');
    await expect(page.content()).resolves.not.toContain('s3cret');
    await shot('mcps');

    weatherId = (await row.getAttribute('data-mcp-id'))!;
    expect(weatherId).toMatch(/^mcp_/);

    await goTo('API Keys');
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('CI worker');
    await page.getByLabel('Expiration').selectOption('30d');
    await page.getByLabel('Only these MCPs:').check();
    await page
      .getByRole('group', { name: 'MCPs this key may use' })
      .getByLabel(/Weather/)
      .check();
    await page.getByRole('checkbox', { name: 'usage:read' }).check();
    await page.getByLabel('Limit the request rate').check();
    await page.getByLabel('Requests per second').fill('5');
    await page.getByLabel('Burst').fill('10');
    await page.getByLabel('Limit usage').check();
    await page.getByLabel('Usage limit (requests)').fill('1000');
    await page.getByLabel('Per', { exact: true }).selectOption('day');
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

    expect(await getKey(createdKeyId)).toMatchObject({
      permissions: { mcps: [weatherId] },
      rate_limit: { requests_per_second: 5, burst: 10 },
      usage_limit: { requests: 1000, period: 'day' },
    });

    const keyRow = page.locator(`tr[data-key-id="${createdKeyId}"]`);
    await expect(keyRow.textContent()).resolves.toContain('pk_live_');
    // Permissions by MCP name, never by id; the limits in words.
    await expect(keyRow.getByRole('cell').nth(3).textContent()).resolves.toBe('Weather');
    await expect(keyRow.textContent()).resolves.not.toContain(weatherId);
    await expect(keyRow.textContent()).resolves.toContain('5/s (burst 10); 1,000/day');
    await shot('api-keys');
    await keyRow.getByRole('button', { name: 'Revoke CI worker' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    // Revoked keys are hidden until the Status filter asks for them.
    await keyRow.waitFor({ state: 'detached' });
    await page.getByLabel('Status').selectOption('revoked');
    await keyRow.getByText('revoked', { exact: true }).waitFor();
    await page.getByLabel('Status').selectOption('current');
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

  it('edits a key through the real gateway: name, limits and expiry within its bounds', async () => {
    const key = await createKey({ name: 'Editable', expires_in: '30d' });
    await goTo('API Keys');
    const row = page.locator(`tr[data-key-id="${key.id}"]`);
    await row.getByRole('button', { name: 'Edit Editable' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit “Editable”' });
    await dialog.waitFor();
    const expiry = dialog.getByLabel(/^Expiry date/);
    const created = new Date(key.created_at);
    const yearLater = new Date(created);
    yearLater.setUTCFullYear(yearLater.getUTCFullYear() + 1);
    yearLater.setUTCDate(yearLater.getUTCDate() - 1);
    // The date picker offers no day past one year after the key's creation.
    await expect(expiry.getAttribute('max')).resolves.toBe(yearLater.toISOString().slice(0, 10));
    const day = new Date(created.getTime() + 200 * DAY).toISOString().slice(0, 10);

    await dialog.getByLabel('Name', { exact: true }).fill('Edited');
    await expiry.fill(day);
    await dialog.getByLabel('Limit the request rate').check();
    await dialog.getByLabel('Requests per second').fill('7');
    await dialog.getByLabel('Burst').fill('14');
    await dialog.getByLabel('Limit usage').check();
    await dialog.getByLabel('Usage limit (requests)').fill('500');
    await shot('api-keys-edit');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').getByText('Saved Edited.').waitFor();
    await row.getByText('7/s (burst 14); 500/month').waitFor();

    // What the gateway now holds, and what the key itself is now told about its own policy.
    expect(await getKey(key.id)).toMatchObject({
      name: 'Edited',
      expires_at: `${day}T23:59:59.000Z`,
      rate_limit: { requests_per_second: 7, burst: 14 },
      usage_limit: { requests: 500, period: 'month' },
    });
    const me = (await (await api('/v1/me', key.secret)).json()) as { data: Record<string, unknown> };
    expect(me.data).toMatchObject({
      expires_at: `${day}T23:59:59.000Z`,
      rate_limit: { requests_per_second: 7, burst: 14 },
      usage_limit: { requests: 500, period: 'month' },
    });

    // Taking a limit off again.
    await row.getByRole('button', { name: 'Edit Edited' }).click();
    await page.getByRole('dialog').getByLabel('Limit usage').uncheck();
    await page.getByRole('dialog').getByRole('button', { name: 'Save changes' }).click();
    await row.getByText('7/s (burst 14)', { exact: true }).waitFor();
    expect((await getKey(key.id)).usage_limit).toBeNull();
  });

  it('searches and filters keys by mode, status and MCP, revoked keys hidden by default', async () => {
    const sandbox = await createKey({ name: 'Sandbox', mode: 'test' });
    const weatherOnly = await createKey({ name: 'Weather only', permissions: { mcps: [weatherId] } });
    const nothing = await createKey({ name: 'No MCPs', permissions: { mcps: [] } });
    const old = await createKey({ name: 'Old' });
    expect((await api(`/v1/keys/${old.id}`, adminKey, { method: 'DELETE' })).status).toBe(200);
    const all = ((await (await api('/v1/keys?limit=100', adminKey)).json()) as { data: ApiKeyView[] }).data;
    const ids = (keep: (k: ApiKeyView) => boolean) =>
      all
        .filter(keep)
        .map((k) => k.id)
        .sort();

    // The list was loaded before these keys existed: coming back to the window refetches it.
    await goTo('API Keys');
    await expect(page.locator(`tr[data-key-id="${nothing.id}"]`).count()).resolves.toBe(0);
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
    await page.locator(`tr[data-key-id="${nothing.id}"]`).waitFor();
    expect(await shownKeyIds()).toEqual(ids((k) => k.status !== 'revoked'));
    expect(await shownKeyIds()).not.toContain(old.id);
    await page
      .getByTestId('keys-hidden')
      .getByText(/revoked keys are hidden/)
      .waitFor();

    await page.getByLabel('Status').selectOption('revoked');
    expect(await shownKeyIds()).toEqual(ids((k) => k.status === 'revoked'));
    expect(await shownKeyIds()).toContain(old.id);
    await page.getByLabel('Status').selectOption('all');
    expect(await shownKeyIds()).toEqual(ids(() => true));

    await page.getByLabel('Mode').selectOption('test');
    expect(await shownKeyIds()).toEqual([sandbox.id]);
    await page.getByLabel('Mode').selectOption('all');

    await page.getByLabel('MCP', { exact: true }).selectOption(weatherId);
    const mayUseWeather = ids((k) => k.permissions.mcps === '*' || k.permissions.mcps.includes(weatherId));
    expect(await shownKeyIds()).toEqual(mayUseWeather);
    expect(mayUseWeather).toContain(weatherOnly.id);
    expect(mayUseWeather).not.toContain(nothing.id);

    await page.getByLabel('Search keys').fill('weather');
    expect(await shownKeyIds()).toEqual([weatherOnly.id]);
    await page.getByLabel('Search keys').fill(`${sandbox.prefix}…${sandbox.last4}`);
    await page.getByLabel('MCP', { exact: true }).selectOption('any');
    expect(await shownKeyIds()).toEqual([sandbox.id]);
    await shot('api-keys-filtered');
    await page.getByLabel('Search keys').fill('');
    await page.getByLabel('Status').selectOption('current');
  });

  it('shows when a rotated key stops working', async () => {
    const key = await createKey({ name: 'Rotating' });
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
    const row = page.locator(`tr[data-key-id="${key.id}"]`);
    await row.getByRole('button', { name: 'Rotate Rotating' }).click();
    await page.getByLabel('Grace period for the old key').selectOption('24h');
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const graceEndsAt = (await getKey(key.id)).grace_ends_at;
    expect(Date.parse(graceEndsAt!) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const formatted = await page.evaluate(
      (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
      graceEndsAt!,
    );
    await row.getByText(`rotated: works until ${formatted}`).waitFor();
    // Rotating again is not offered; editing and revoking still are.
    await expect(row.getByRole('button', { name: 'Rotate Rotating' }).count()).resolves.toBe(0);
    await shot('api-keys-rotated');
  });

  it('lists the audit log and filters it by actor, action, target and time', async () => {
    const delegate = await createKey({ name: 'Delegate', scopes: ['keys:read', 'keys:write'] });
    const made = await createKey({ name: 'Made by delegate', expires_in: '30d' }, delegate.secret);
    const patched = await api(`/v1/keys/${made.id}`, delegate.secret, {
      method: 'PATCH',
      body: { name: 'Renamed by delegate' },
    });
    expect(patched.status).toBe(200);
    const entryRows = page.locator('tr[data-audit-action]');
    const shown = () =>
      entryRows.evaluateAll((rows) =>
        rows.map((r) => `${r.getAttribute('data-audit-action')} ${r.getAttribute('data-target-id')}`),
      );

    await goTo('Audit');
    await entryRows.first().waitFor();
    await expect(shown()).resolves.toEqual(
      expect.arrayContaining([
        `key.created ${made.id}`,
        `key.updated ${made.id}`,
        `key.revoked ${createdKeyId}`,
      ]),
    );
    await shot('audit');

    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByLabel('Actor').selectOption(delegate.id);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => ((await shown()).length === 2 ? true : null), { timeoutMs: 10_000 });
    expect((await shown()).sort()).toEqual([`key.created ${made.id}`, `key.updated ${made.id}`]);
    // The actor is named by key name, not only by id.
    await expect(entryRows.first().textContent()).resolves.toContain('Delegate');

    await filters.getByLabel('Action').selectOption('key.updated');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => ((await shown()).length === 1 ? true : null), { timeoutMs: 10_000 });
    expect(await shown()).toEqual([`key.updated ${made.id}`]);

    await filters.getByRole('button', { name: 'Clear' }).click();
    await filters.getByLabel('Target id').fill(createdKeyId);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => ((await shown()).every((l) => l.endsWith(createdKeyId)) ? true : null), {
      timeoutMs: 10_000,
    });
    expect((await shown()).sort()).toEqual(
      [`key.created ${createdKeyId}`, `key.revoked ${createdKeyId}`].sort(),
    );
    await shot('audit-filtered');

    // A time window that has not begun yet holds nothing.
    const tomorrow = new Date(Date.now() + DAY);
    const local = await page.evaluate((ms) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, tomorrow.getTime());
    await filters.getByLabel('From').fill(local);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No audit entries match.').waitFor();

    // A malformed target is the gateway's 400, shown as such.
    await filters.getByRole('button', { name: 'Clear' }).click();
    await filters.getByLabel('Target id').fill("key_1' OR 1=1");
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page
      .getByRole('alert')
      .getByText(/^Invalid input: /)
      .waitFor();
    await filters.getByRole('button', { name: 'Clear' }).click();
    await entryRows.first().waitFor();
  });

  it('a superseded request is aborted and leaves no error banner beside the valid data', async () => {
    await goTo('Audit');
    const entryRows = page.locator('tr[data-audit-action]');
    await entryRows.first().waitFor();
    const before = await entryRows.count();

    // The answer to "action = key.rotated" is slow and then fails; by then nobody wants it.
    const aborted: Request[] = [];
    const onFailed = (r: Request) => {
      if (r.url().includes('action=key.rotated')) aborted.push(r);
    };
    page.on('requestfailed', onFailed);
    await page.route('**/v1/audit?action=key.rotated*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route
        .fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            success: false,
            error: { code: 'service_unavailable', message: 'Service temporarily unavailable' },
          }),
        })
        .catch(() => undefined);
    });
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByLabel('Action').selectOption('key.rotated');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await filters.getByRole('button', { name: 'Clear' }).click();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await expect(entryRows.count()).resolves.toBe(before);
    expect(aborted.map((r) => r.failure()?.errorText)).toEqual(['net::ERR_ABORTED']);
    page.off('requestfailed', onFailed);
    await page.unrouteAll({ behavior: 'ignoreErrors' });

    // A background refresh that fails keeps the data and says so quietly; the next one clears it.
    await page.route('**/v1/audit?limit=*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          success: false,
          error: { code: 'service_unavailable', message: 'Service temporarily unavailable' },
        }),
      }),
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('refresh-notice').waitFor({ timeout: 15_000 });
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await expect(entryRows.count()).resolves.toBe(before);
    await shot('audit-refresh-failed');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('refresh-notice').waitFor({ state: 'detached' });
  });

  it('fits a 390 px wide phone screen: no page scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const label of ['API Keys', 'MCPs', 'Usage', 'Alerts', 'Webhooks', 'Audit']) {
        await goTo(label);
        await page.locator('main table').first().waitFor({ state: 'attached' });
        await page.waitForLoadState('networkidle');
        const overflow = await horizontalOverflow();
        expect({ label, ...overflow }).toEqual({
          label,
          scrollWidth: overflow.clientWidth,
          clientWidth: 390,
          wide: [],
          scrolling: [],
        });
        await shot(`phone-${label.toLowerCase().replace(/\s+/g, '-')}`);
      }
      // A key row reads as a card of labelled lines.
      await goTo('API Keys');
      const cell = page.locator('tr[data-key-id] td[data-label="Expires"]').first();
      await expect(cell.evaluate((td) => getComputedStyle(td, '::before').content)).resolves.toBe(
        '"Expires: "',
      );
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('ends the session when its key is revoked', async () => {
    const revoked = await api(`/v1/keys/${system.org.admin_key.key.id}`, adminKey, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const status = await page.evaluate(async () => (await fetch('/v1/keys')).status);
    expect(status).toBe(401);
    await page.reload();
    await page.getByLabel('Email').waitFor();
    const session = await page.evaluate(async () => (await fetch('/dashboard/api/session')).status);
    expect(session).toBe(401);
  });
});
