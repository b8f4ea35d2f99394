import path from 'node:path';
import type { Page } from 'playwright-core';
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
