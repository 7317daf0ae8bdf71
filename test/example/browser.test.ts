/**
 * The example app in a real browser: Debian's Chromium driven by playwright-core, against the
 * example exactly as `npm run example` starts it (emulator beside it, seeded with Mork's account).
 * Skipped when /usr/bin/chromium is missing, except in CI (CI=true), where that is a failure.
 * Screenshots go to test/artifacts/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startExample, type RunningExample } from '../../example/server';
import { describeWith } from '../support/fixture';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const PASSWORD = 'correct horse battery';

jest.setTimeout(60_000);

describeWith(CHROMIUM, 'the example in Chromium', () => {
  let example: RunningExample;
  let context: BrowserContext;
  let profileDir: string;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    example = await startExample({ PORT: '0' }, () => undefined);
    // A fresh profile directory per run: launchPersistentContext is how Playwright takes --user-data-dir.
    profileDir = mkdtempSync(path.join(tmpdir(), 'example-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM.path,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1000, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await example?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await context.clearCookies();
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(example.url);
    await page.locator('#amazon-sign-in:enabled').waitFor();
  });

  afterEach(async () => {
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  /** Clicks `button`, picks `customer` on the emulator's sign-in page, returns the server's answer status. */
  async function throughAmazon(button: string, customer: string, screenshot?: string): Promise<number> {
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(button)]);
    const answer = page.waitForResponse((r) => r.url().endsWith('/auth/amazon'));
    const closed = popup.waitForEvent('close');
    const choice = popup.getByRole('button', { name: new RegExp(`^${customer}`) });
    if (screenshot !== undefined) {
      await choice.waitFor();
      await popup.screenshot({ path: path.join(ARTIFACTS, screenshot) });
    }
    await choice.click();
    await closed;
    return (await answer).status();
  }

  async function signUpLocally(username: string, name: string): Promise<void> {
    await page.fill('#local-signup [name=username]', username);
    await page.fill('#local-signup [name=password]', PASSWORD);
    await page.fill('#local-signup [name=name]', name);
    await page.click('#local-signup button[type=submit]');
    await page.locator('#account-name', { hasText: name }).waitFor();
  }

  const text = async (selector: string): Promise<string> => (await page.textContent(selector)) ?? '';
  const linked = (): Promise<string[]> => page.locator('#linked li').allTextContents();

  test('sign in with Amazon: a new customer gets an account, a known one signs in to theirs', async () => {
    expect(await text('#mode')).toContain('emulator');
    expect(await throughAmazon('#amazon-sign-in', 'Ann Example', 'emulator-sign-in.png')).toBe(200);
    await page.locator('#account-name', { hasText: 'Ann Example' }).waitFor();
    expect(await text('#message')).toContain('A new account was created');
    expect(await linked()).toEqual([expect.stringContaining('Ann Example <ann@example.com>')]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-signed-in.png'), fullPage: true });

    await page.click('#sign-out');
    await page.locator('#signed-out').waitFor();
    expect(await text('#message')).toBe('You are signed out.');
    expect(await throughAmazon('#amazon-sign-in', 'Mork Hashimoto')).toBe(200);
    await page.locator('#account-name', { hasText: 'Mork Hashimoto' }).waitFor();
    expect(await text('#message')).toBe('Welcome back, Mork Hashimoto.');
  });

  test('the Stateless API card calls GET /api/me with the token; unlinking; signing out confirms', async () => {
    // Before the next test: Ben is linked here, then unlinked, so that he is free for it again.
    // No token yet: the card says how to get one.
    expect(await page.isDisabled('#try-api')).toBe(true);
    expect(await page.isVisible('#try-api-hint')).toBe(true);
    await signUpLocally('fay', 'Fay Local');
    expect(await throughAmazon('#amazon-link', 'Ben Example')).toBe(200);
    await page.locator('#message', { hasText: 'Linked the Amazon account of Ben Example' }).waitFor();

    // The card sends the token the page just got, with no cookie: the linked account answers.
    const apiResult = page.locator('#api-result');
    await page.click('#try-api:enabled');
    await apiResult.filter({ hasText: 'HTTP 200' }).waitFor();
    const shown = (await apiResult.textContent()) ?? '';
    expect(shown).toContain('"name": "Fay Local"');
    expect(shown).toContain('"amazonUserId": "amzn1.account.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-stateless-api.png'), fullPage: true });

    // Unlinking: the list empties, and the same token is now a customer without an account here.
    await page.getByRole('button', { name: 'Unlink the Amazon account of Ben Example' }).click();
    await page.locator('#message', { hasText: 'Unlinked the Amazon account of Ben Example.' }).waitFor();
    expect(await linked()).toEqual([]);
    await page.click('#try-api');
    await apiResult.filter({ hasText: 'HTTP 403' }).waitFor();
    expect(await apiResult.textContent()).toContain('"error": "no_account"');

    await page.click('#sign-out');
    await page.locator('#message', { hasText: 'You are signed out.' }).waitFor();
    expect(await page.isVisible('#signed-out')).toBe(true);
    expect(await page.isDisabled('#try-api')).toBe(true);
    expect(await apiResult.isVisible()).toBe(false);
  });

  test('a local account links a second Amazon customer, and either signs in to it', async () => {
    await signUpLocally('dana', 'Dana Local');
    expect(await page.isVisible('#no-links')).toBe(true);

    expect(await throughAmazon('#amazon-link', 'Ben Example')).toBe(200);
    await page.locator('#message', { hasText: 'Linked the Amazon account of Ben Example' }).waitFor();
    expect(await throughAmazon('#amazon-link', 'Chloe Example')).toBe(200);
    await page.locator('#message', { hasText: 'Linked the Amazon account of Chloe Example' }).waitFor();
    expect(await linked()).toEqual([expect.stringContaining('Ben Example'), expect.stringContaining('Chloe Example')]);
    expect(await text('#account-name')).toBe('Dana Local');
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-linked.png'), fullPage: true });

    await page.click('#sign-out');
    await page.locator('#signed-out').waitFor();
    expect(await throughAmazon('#amazon-sign-in', 'Chloe Example')).toBe(200);
    await page.locator('#account-name', { hasText: 'Dana Local' }).waitFor();
  });

  test('linking an Amazon account that belongs to another account is refused', async () => {
    await signUpLocally('erin', 'Erin Local');
    expect(await throughAmazon('#amazon-link', 'Mork Hashimoto')).toBe(409);
    await page.locator('#message.error', { hasText: 'already linked to another account' }).waitFor();
    expect(await page.getAttribute('#message', 'role')).toBe('alert');
    expect(await linked()).toEqual([]);
    expect(await text('#account-name')).toBe('Erin Local');
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-refused.png'), fullPage: true });
  });

  test('cancelling on the sign-in page', async () => {
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#amazon-sign-in')]);
    await popup.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#message.error', { hasText: 'cancelled' }).waitFor();
    expect(await page.isVisible('#signed-out')).toBe(true);
  });
});
