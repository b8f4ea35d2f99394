import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreatedOrg } from '@plexmcp/contracts';
import { type System as HarnessSystem, startSystem as startHarnessSystem } from '@plexmcp/test-harness';
import { type BrowserContext, chromium } from 'playwright-core';

const APP_DIR = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOT_DIR = path.resolve(APP_DIR, '../../artifacts/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The built app the gateway serves; built here when a plain `jest` run finds none. */
export function ensureDashboardBuilt(): void {
  if (existsSync(path.join(APP_DIR, 'dist/index.html'))) return;
  const result = spawnSync(path.join(APP_DIR, 'node_modules/.bin/vite'), ['build'], {
    cwd: APP_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('vite build of the dashboard failed');
}

/** Debian's chromium, headless, with a fresh profile and nothing phoning home. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run .ci/ensure-chromium (installs Debian's chromium)`);
  }
  // A fresh --user-data-dir: Playwright passes the directory given here as that flag.
  const profile = mkdtempSync(path.join(tmpdir(), 'plexmcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The real system in-process (see @plexmcp/test-harness), with one organization to sign in to. */
export interface System extends HarnessSystem {
  org: CreatedOrg;
}

export async function startSystem(name: string): Promise<System> {
  const system = await startHarnessSystem({
    prefix: 'dash',
    name,
    usageEnv: { ANOMALY_EVAL_MS: '100' },
    // The browser's requests carry X-Forwarded-For, believed from loopback only.
    // Admin-key sign-in (break-glass) on: the main suite signs in with the organization's admin key.
    gatewayEnv: { TRUSTED_PROXIES: '127.0.0.1/32', DASHBOARD_KEY_SIGN_IN: 'true' },
  });
  try {
    return { ...system, org: await system.createOrg('Dashboard Co') };
  } catch (err) {
    await system.close();
    throw err;
  }
}
