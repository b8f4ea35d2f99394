import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CreatedOwner,
  type Role,
  Subjects,
  createdOrgSchema,
  createdOwnerSchema,
  removedMemberSchema,
} from '@plexmcp/contracts';
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  type System,
  ensureDashboardBuilt,
  launchChromium,
  startSystem,
} from './support/system.js';
import {
  PASSWORD,
  freshPage,
  goToSection,
  screenshot,
  sessionCookie,
  setPasswordFromLink,
  statusWithCookie,
} from './support/browser.js';

/**
 * People in the dashboard, in Chromium against the real system: the owner opens the one-time link
 * `plexmcp org create --owner-email` prints, sets a password and turns on TOTP; an admin and a
 * viewer join; the viewer sees no way to create keys (and the API refuses one); the admin creates
 * a key; removing the admin ends their open session at once; a cookie copied before sign-out is
 * dead after it.
 */
describe('accounts in Chromium', () => {
  let system: System;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let base: string;
  let orgId: string;
  let owner: CreatedOwner;

  const browser = () => freshPage(context);

  /** The link as the operator got it, pointed at this test's gateway. */
  const linkOf = (created: CreatedOwner) =>
    `${base}/dashboard/set-password#token=${created.set_password_url.split('#token=')[1]}`;

  const setPassword = (page: Page, created: CreatedOwner) => setPasswordFromLink(page, linkOf(created));

  const join = (email: string, role: Role) =>
    system.rpc.call(Subjects.orgs.addMember, { org_id: orgId, email, role }, createdOwnerSchema);

  const cookieOf = () => sessionCookie(context, base);

  /** What a copied cookie gets from the API, outside the browser. */
  const withCookie = (cookie: string, urlPath: string) => statusWithCookie(base, cookie, urlPath);

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    system = await startSystem('accounts');
    base = system.gateway.url;
    const created = createdOrgSchema.parse(
      await system.rpc.call(
        Subjects.orgs.create,
        { name: 'People Co', owner_email: 'owner@people.test' },
        createdOrgSchema,
      ),
    );
    orgId = created.organization.id;
    owner = created.owner!;
    chromium = await launchChromium();
    context = chromium.context;
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await system?.close();
  });

  it('the owner sets a password from the link, turns on TOTP, and signs in again with a code', async () => {
    const page = await browser();
    await setPassword(page, owner);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('owner@people.test · owner');

    await goToSection(page, 'Account');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    await expect(page.getByTestId('recovery-codes').getByRole('listitem').count()).resolves.toBe(10);
    await screenshot(page, 'account-recovery-codes');
    await expect(page.getByTestId('totp-status').textContent()).resolves.toBe('on');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Email').fill('owner@people.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // The next step's code: the enrolment already used this one.
    await page
      .getByLabel('Authentication code')
      .fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await screenshot(page, 'sign-in-totp');
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back where they signed out (the Account page), signed in.
    await page.getByTestId('signed-in-as').waitFor();
    await expect(page.getByTestId('totp-status').textContent()).resolves.toBe('on');
    await page.close();
  });

  it('a viewer has no Create API Key button, and the API refuses them one', async () => {
    const page = await browser();
    await setPassword(page, await join('viewer@people.test', 'viewer'));
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('viewer@people.test · viewer');
    await expect(page.getByRole('button', { name: 'Create API Key' }).count()).resolves.toBe(0);
    await screenshot(page, 'api-keys-viewer');
    const refused = await page.evaluate(async () => {
      const session = (await (await fetch('/dashboard/api/session')).json()) as {
        data: { csrf_token: string };
      };
      const res = await fetch('/v1/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.data.csrf_token },
        body: JSON.stringify({ name: 'sneaky', permissions: { mcps: '*' } }),
      });
      return res.status;
    });
    expect(refused).toBe(403);
    await page.close();
  });

  it('an admin creates a key; removing them from the organization ends their open session at once', async () => {
    const page = await browser();
    const admin = await join('admin@people.test', 'admin');
    await setPassword(page, admin);
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('admin-made');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('one-time-secret').waitFor();
    await page.getByRole('button', { name: 'I have copied it' }).click();

    const cookie = await cookieOf();
    expect(await withCookie(cookie, '/v1/keys')).toBe(200);
    const removed = await system.rpc.call(
      Subjects.orgs.removeMember,
      { org_id: orgId, user_id: admin.user_id },
      removedMemberSchema,
    );
    expect(removed.removed).toBe(true);
    expect(await withCookie(cookie, '/v1/keys')).toBe(401);
    await page.close();
  });

  it('signing out kills a copied cookie', async () => {
    const page = await browser();
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('Email').fill('viewer@people.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'API Keys' }).waitFor();
    const copied = await cookieOf();
    expect(await withCookie(copied, '/v1/keys')).toBe(200);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Email').waitFor();
    expect(await withCookie(copied, '/v1/keys')).toBe(401);
    await page.close();
  });
});
