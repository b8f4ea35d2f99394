import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from './system.js';

/** What the browser suites share beside the system: REST calls as another client, and page steps. */

export interface CallInit {
  method?: string;
  /** Sent as X-Forwarded-For (believed from loopback, see startSystem). */
  ip?: string;
  body?: unknown;
}

/** A REST call to the gateway at `base` with a Bearer key, as another client of the organization. */
export function callApi(base: string, urlPath: string, key: string, init: CallInit = {}): Promise<Response> {
  return fetch(base + urlPath, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.ip ? { 'x-forwarded-for': init.ip } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** A full-page screenshot under artifacts/screenshots/<name>.png. */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Opens a dashboard section from the navigation and waits for its heading. */
export async function goToSection(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Dashboard sections' })
    .getByRole('link', { name: label })
    .click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}

/** The ids of the key rows the Keys table shows, sorted. */
export async function shownKeyIds(page: Page): Promise<(string | null)[]> {
  return (
    await page
      .locator('tr[data-key-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key-id')))
  ).sort();
}

/** The password the people suites give every account they create. */
export const PASSWORD = 'correct horse battery staple';

/** A fresh page with no cookies: one person's browser. */
export async function freshPage(context: BrowserContext): Promise<Page> {
  await context.clearCookies();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** The dashboard session cookie the browser holds for `base`. */
export async function sessionCookie(context: BrowserContext, base: string): Promise<string> {
  return (await context.cookies(base)).find((c) => c.name === 'plexmcp_session')!.value;
}

/** What a copied session cookie gets from the gateway at `gatewayUrl`, outside the browser. */
export async function statusWithCookie(gatewayUrl: string, cookie: string, urlPath: string): Promise<number> {
  return (await fetch(`${gatewayUrl}${urlPath}`, { headers: { cookie: `plexmcp_session=${cookie}` } }))
    .status;
}

/** Opens a one-time set-password link, sets PASSWORD and waits for the signed-in Keys page. */
export async function setPasswordFromLink(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel('New password (at least 12 characters)').fill(PASSWORD);
  await page.getByLabel('The same password again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'API Keys' }).waitFor();
}
