import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DrillRecord, drillKey } from '../../../../functions/dr-drill/model.js';
import { resolvePlan } from '../../../../functions/dr-drill/plan.js';
import { launchBrowser, screenshotDir } from '../../../support/browser.js';
import { serveDemo } from '../../../support/demo.js';

type Demo = Awaited<ReturnType<typeof serveDemo>>;

// One browser for the whole file, one page after another: sized for a 2-core machine.
describe('the console in Chromium', () => {
  let demo: Demo;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const shots = screenshotDir('console');
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  async function signIn(token: string): Promise<void> {
    await page.goto(`${demo.url}/`);
    await page.waitForURL(/\/console\/sign-in$/);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${demo.url}/`), page.click('button[type=submit]')]);
  }

  async function signOut(): Promise<void> {
    await Promise.all([page.waitForURL(/\/console\/sign-in$/), page.click('header .who button')]);
  }

  beforeAll(async () => {
    demo = await serveDemo();
    [browser] = await Promise.all([launchBrowser(), demo.firstRuns()]);
    page = browser.page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('signs in with an operator token, after refusing a wrong one', async () => {
    await page.goto(`${demo.url}/`);
    await page.waitForURL(/\/console\/sign-in$/);
    await page.fill('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toContain('not accepted');
    await shot('sign-in');
    await page.fill('#token', demo.tokens.alice);
    await Promise.all([page.waitForURL(`${demo.url}/`), page.click('button[type=submit]')]);
    expect(await page.textContent('header .who')).toContain('token:alice');
  });

  it('shows each function with its last outcome on the overview', async () => {
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(6);
    expect(await page.locator('tr', { hasText: 'rollback' }).first().textContent()).toContain('rolled checkout back');
    await shot('overview');
  });

  it('shows backups with their age, size sparkline and the stale and truncated ones failing', async () => {
    await page.click('nav >> text=Backups');
    await page.waitForURL(/\/console\/backups$/);
    expect(await page.locator('tr[data-backup=orders] .badge').first().textContent()).toBe('ok');
    expect(await page.locator('tr[data-backup=invoices] .badge').first().textContent()).toBe('fail');
    expect(await page.locator('tr[data-backup=audit]').textContent()).toContain('stale');
    expect(await page.locator('tr[data-backup=orders] svg.spark').count()).toBe(1);
    await shot('backups');
  });

  it('lists certificates most urgent first: 3, 20 and 200 days left', async () => {
    await page.click('nav >> text=Certificates');
    await page.waitForURL(/\/console\/certificates$/);
    const days = await page.locator('tbody tr td.num').allTextContents();
    expect(days.map(Number)).toEqual([3, 20, 200]);
    expect(await page.locator('tbody tr').first().textContent()).toContain('critical');
    await shot('certificates');
  });

  it('draws the health matrix with the failing check', async () => {
    await page.click('nav >> text=Health');
    await page.waitForURL(/\/console\/health$/);
    expect(await page.locator('tr[data-check=payments-tcp] .cell.bad').count()).toBeGreaterThan(0);
    expect(await page.locator('tr[data-check=shop-health] .cell.good').count()).toBeGreaterThan(0);
    await shot('health');
  });

  it('shows the rollback and the scale-up as decisions, filtered by service', async () => {
    await page.click('nav >> text=Actions');
    await page.waitForURL(/\/console\/actions$/);
    const checkout = page.locator('.card', { hasText: 'checkout · rollback' });
    expect(await checkout.textContent()).toMatch(/verification.*recovered|recovered/s);
    expect(await checkout.textContent()).toContain('checkout-5xx');
    expect(await page.locator('.card', { hasText: 'search · autoscale' }).textContent()).toContain('search-slow');
    await shot('actions');
    await page.fill('#service', 'search');
    await Promise.all([page.waitForURL(/service=search/), page.click('button:has-text("Filter")')]);
    const cards = await page.locator('.card h3').allTextContents();
    expect(cards.length).toBeGreaterThan(0);
    for (const title of cards) expect(title).toContain('search');
  });

  it('runs a function dry first, then for real from the dry run', async () => {
    await page.click('nav >> text=Run now');
    await page.waitForURL(/\/console\/run$/);
    await page.selectOption('#function', 'certExpiry');
    await Promise.all([page.waitForURL(/\/console\/runs\/certExpiry\//), page.click('button:has-text("Dry run")')]);
    expect(await page.locator('.card h3').first().textContent()).toContain('dry-run');
    await shot('run-dry');
    // The real run's page has the same path shape as the dry run's: wait for another address.
    const dry = page.url();
    await Promise.all([page.waitForURL((url) => url.href !== dry), page.click('button:has-text("Run for real")')]);
    const title = await page.locator('.card h3').first().textContent();
    expect(title).not.toContain('dry-run');
    expect(title).toContain('certExpiry');
    await shot('run-real');
  });

  it('lets a second person approve a drill its starter cannot, then shows it finish', async () => {
    const { plan, steps } = resolvePlan(demo.runtime.config, 'shop-failover');
    const now = new Date().toISOString();
    const drill: DrillRecord = {
      id: 'a1b2c3d4',
      plan: 'shop-failover',
      definition: { ...plan, approval: 'required' },
      status: 'awaiting-approval',
      startedAt: now,
      startedBy: 'token:alice',
      updatedAt: now,
      steps: steps.map((s) => ({ name: s.name, step: s.step, status: 'pending', attempts: 0 })),
      resources: [],
      approval: { required: true, requestedAt: now },
      runs: [],
    };
    await demo.runtime.state.put(drillKey(drill.id), drill, 3_600_000);
    await page.goto(`${demo.url}/console/drills/${drill.id}`);
    await page.click('button:has-text("Approve")');
    await expect.poll(() => page.textContent('.form-error')).toContain('a different caller must approve');
    await shot('drill-awaiting');
    await signOut();
    await signIn(demo.tokens.bob);
    await page.goto(`${demo.url}/console/drills`);
    await Promise.all([page.waitForURL(/\/console\/drills\/a1b2c3d4$/), page.click('a:has-text("a1b2c3d4")')]);
    await page.click('button:has-text("Approve")');
    await expect.poll(() => page.textContent('.card'), { timeout: 10_000 }).toContain('approved by token:bob');
    await expect.poll(() => page.textContent('#progress'), { timeout: 30_000 }).toContain('passed');
    // Once over, the page reloads whole: the report's location replaces the buttons.
    await expect
      .poll(() => page.textContent('main'), { timeout: 10_000 })
      .toMatch(/HTML\s*file:\/\/\S+shop-failover\.html/);
    expect(await page.locator('button:has-text("Cancel drill")').count()).toBe(0);
    await expect
      .poll(() => page.textContent('main'), { timeout: 10_000 })
      .toMatch(/HTML\s*file:\/\/\S+shop-failover\.html/);
    await shot('drill-passed');
  });
});
