import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuditEntry, Subjects, createdOrgSchema } from '@plexmcp/contracts';
import type { System as HarnessSystem } from '@plexmcp/test-harness';
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
 * The whole story of people in the dashboard, in Chromium against the real system with two
 * gateways behind one session secret: the owner signs up through the link `plexmcp org create
 * --owner-email` prints, sets a password and TOTP, and invites an admin and a viewer from the
 * Members page; each accepts their mailed link; the viewer cannot create keys (no button, and the
 * API refuses); the admin creates one; the audit log names the admin; removing the admin from the
 * Members page ends their live session at once on both gateways; signing out kills a copied cookie.
 */
describe('people: owner, invitations, roles, removal', () => {
  let system: System;
  let second: Awaited<ReturnType<HarnessSystem['startGateway']>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let base: string;
  let setPasswordUrl: string;
  let adminKeyId: string;
  let adminCookie: string;
  let totpSecret: string;

  const browser = () => freshPage(context);
  /** The newest link mailed to `to`, pointed at this test's gateway. */
  const mailedLink = (to: string) => {
    const mail = system.mailbox.findLast((m) => m.to === to);
    if (!mail) throw new Error(`nothing was mailed to ${to}`);
    return `${base}/dashboard/invitation#${mail.link.split('#')[1]}`;
  };
  const cookieOf = () => sessionCookie(context, base);

  const signIn = async (page: Page, email: string) => {
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'API Keys' }).waitFor();
  };

  const invite = async (page: Page, email: string, role: string) => {
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Role').selectOption(role);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${email}.`).waitFor();
  };

  const accept = async (email: string) => {
    const page = await browser();
    await page.goto(mailedLink(email));
    await page.getByTestId('invitation-summary').waitFor();
    await page.getByLabel('Choose a password (at least 12 characters)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signIn(page, email);
    return page;
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    system = await startSystem('people');
    second = await system.startGateway();
    base = system.gateway.url;
    const created = createdOrgSchema.parse(
      await system.rpc.call(
        Subjects.orgs.create,
        { name: 'Invite Co', owner_email: 'owner@invite.test' },
        createdOrgSchema,
      ),
    );
    setPasswordUrl = `${base}/dashboard/set-password#token=${created.owner!.set_password_url.split('#token=')[1]}`;
    chromium = await launchChromium();
    context = chromium.context;
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await system?.close();
  });

  it('the owner signs up through the link, turns on TOTP and invites an admin and a viewer', async () => {
    const page = await browser();
    await setPasswordFromLink(page, setPasswordUrl);

    await goToSection(page, 'Account');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    totpSecret = (await page.getByTestId('totp-secret').textContent())!;
    await page.getByLabel('Code from the app').fill(await generate({ secret: totpSecret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    await expect(page.getByTestId('totp-status').textContent()).resolves.toBe('on');

    await goToSection(page, 'Members');
    await invite(page, 'admin@invite.test', 'admin');
    await invite(page, 'viewer@invite.test', 'viewer');
    const invitations = page.getByRole('table', { name: 'Invitations sent' });
    await invitations.getByText('viewer@invite.test').waitFor();
    await expect(invitations.getByText('pending').count()).resolves.toBe(2);
    await screenshot(page, 'members-invitations');
    // The links went by mail, never into the page.
    const html = await page.content();
    for (const to of ['admin@invite.test', 'viewer@invite.test']) {
      expect(html).not.toContain(mailedLink(to).split('#token=')[1]);
    }
    await page.close();
  });

  it('the viewer joins and cannot create keys: no button, and the API refuses', async () => {
    const page = await accept('viewer@invite.test');
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('viewer@invite.test · viewer');
    await expect(page.getByRole('button', { name: 'Create API Key' }).count()).resolves.toBe(0);
    await goToSection(page, 'Members');
    await expect(page.getByRole('button', { name: 'Invite' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Remove' }).count()).resolves.toBe(0);
    const refused = await page.evaluate(async () => {
      const session = (await (await fetch('/dashboard/api/session')).json()) as {
        data: { csrf_token: string };
      };
      const res = await fetch('/v1/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.data.csrf_token },
        body: JSON.stringify({ name: 'sneaky' }),
      });
      return res.status;
    });
    expect(refused).toBe(403);
    await page.close();
  });

  it('the admin joins and creates a key; the Keys page and the audit log name the admin', async () => {
    const page = await accept('admin@invite.test');
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('admin-made');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('one-time-secret').waitFor();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const row = page.locator('tr[data-key-id]', { hasText: 'admin-made' });
    await expect(row.getByText('admin@invite.test').count()).resolves.toBe(1);
    adminKeyId = (await row.getAttribute('data-key-id'))!;

    await goToSection(page, 'Audit');
    const entry = page.locator(`tr[data-audit-action="key.created"][data-target-id="${adminKeyId}"]`);
    await expect(entry.locator('[data-actor-type="user"]').textContent()).resolves.toBe('admin@invite.test');
    const audit = await page.evaluate(
      async () => (await (await fetch('/v1/audit')).json()) as { data: AuditEntry[] },
    );
    expect(
      audit.data.find((e) => e.action === 'key.created' && e.target_id === adminKeyId)?.actor,
    ).toMatchObject({
      type: 'user',
      display: 'admin@invite.test',
    });
    await screenshot(page, 'audit-names-admin');
    adminCookie = await cookieOf();
    await page.close();
  });

  it('removing the admin from the Members page ends their live session at once on every gateway', async () => {
    expect(await statusWithCookie(base, adminCookie, '/v1/keys')).toBe(200);
    expect(await statusWithCookie(second.url, adminCookie, '/v1/keys')).toBe(200);

    const owner = await browser();
    await owner.goto(`${base}/dashboard/`);
    await owner.getByLabel('Email').fill('owner@invite.test');
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Sign in', exact: true }).click();
    // TOTP is on: a later step's code (the enrolment used the current one).
    await owner
      .getByLabel('Authentication code')
      .fill(await generate({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await owner.getByRole('button', { name: 'Continue' }).click();
    await owner.getByTestId('signed-in-as').waitFor();
    await goToSection(owner, 'Members');
    const members = owner.getByRole('table', { name: 'People in this organization' });
    const row = members.locator('tr', { hasText: 'admin@invite.test' });
    await row.getByRole('button', { name: 'Remove' }).click();
    await owner.getByRole('button', { name: 'Remove member' }).click();
    await owner.getByText('admin@invite.test was removed.').waitFor();
    // No waiting: the removal answered once every gateway had dropped the admin's session.
    expect(await statusWithCookie(base, adminCookie, '/v1/keys')).toBe(401);
    expect(await statusWithCookie(second.url, adminCookie, '/v1/keys')).toBe(401);
    await row.waitFor({ state: 'detached' });
    await owner.close();
  });

  it('signing out kills a copied cookie', async () => {
    const page = await browser();
    await signIn(page, 'viewer@invite.test');
    const copied = await cookieOf();
    expect(await statusWithCookie(second.url, copied, '/v1/keys')).toBe(200);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Email').waitFor();
    expect(await statusWithCookie(base, copied, '/v1/keys')).toBe(401);
    expect(await statusWithCookie(second.url, copied, '/v1/keys')).toBe(401);
    await page.close();
  });
});
