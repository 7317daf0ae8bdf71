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
  let dataDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'example-data-'));
    example = await startExample({ PORT: '0', DATA_DIR: dataDir }, () => undefined);
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
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
    return (await signIn(button, customer, screenshot)).status;
  }

  /** `throughAmazon`, and the token the page sent (seen on the wire: the page never shows it). */
  async function signIn(
    button: string,
    customer: string,
    screenshot?: string,
  ): Promise<{ status: number; token: string }> {
    return pickOnPopup(page.click(button), customer, screenshot);
  }

  /** Picks `customer` on the sign-in popup that `opening` opens. */
  async function pickOnPopup(
    opening: Promise<unknown>,
    customer: string,
    screenshot?: string,
  ): Promise<{ status: number; token: string }> {
    const [popup] = await Promise.all([page.waitForEvent('popup'), opening]);
    const answer = page.waitForResponse((r) => r.url().endsWith('/auth/amazon'));
    const closed = popup.waitForEvent('close');
    const choice = popup.getByRole('button', { name: new RegExp(`^${customer}`) });
    if (screenshot !== undefined) {
      await choice.waitFor();
      await popup.screenshot({ path: path.join(ARTIFACTS, screenshot) });
    }
    await choice.click();
    await closed;
    const response = await answer;
    return {
      status: response.status(),
      token: (response.request().postDataJSON() as { access_token: string }).access_token,
    };
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

    // Unlinking: the list empties, and the card keeps neither Ben's answer nor Ben's token, which no
    // longer stands for this account; it says how to get one.
    await page.getByRole('button', { name: 'Unlink the Amazon account of Ben Example' }).click();
    await page.locator('#message', { hasText: 'The page dropped its token' }).waitFor();
    expect(await linked()).toEqual([]);
    expect(await apiResult.isVisible()).toBe(false);
    expect(await page.isDisabled('#try-api')).toBe(true);
    expect(await text('#try-api-hint')).toContain('Link an Amazon account above first');

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

  test('the 401 path: a token expired at Amazon signs in again; sign-out revokes the token everywhere', async () => {
    const first = await signIn('#amazon-sign-in', 'Mork Hashimoto');
    expect(first.status).toBe(200);
    await page.locator('#account-name', { hasText: 'Mork Hashimoto' }).waitFor();
    expect(await text('#token-life')).toMatch(/^The page’s token is good for \d+ min \d+ s more\.$/);

    // Expired at Amazon: the API says 401 invalid_token, the page signs in with Amazon again and calls once more.
    expect(example.emulator!.expire(first.token)).toBe(true);
    const again = await pickOnPopup(page.click('#try-api'), 'Mork Hashimoto');
    expect(again.status).toBe(200);
    expect(again.token).not.toBe(first.token);
    await page.locator('#api-result', { hasText: 'HTTP 200' }).waitFor();
    expect(await text('#message')).toBe('Signed in with Amazon again: the page has a new token.');
    expect(await text('#account-name')).toBe('Mork Hashimoto');

    // Sign-out: the page's token is refused from now on, on every route, although Amazon still vouches for it.
    await page.click('#sign-out');
    await page.locator('#message', { hasText: 'You are signed out.' }).waitFor();
    expect(example.emulator!.tokenInfo(again.token)?.state).toBe('active');
    for (const route of ['/api/me', '/api/app/me']) {
      const res = await fetch(`${example.url}${route}`, { headers: { authorization: `Bearer ${again.token}` } });
      expect([route, res.status, await res.json()]).toEqual([
        route,
        401,
        { error: 'invalid_token', message: 'The access token was revoked.' },
      ]);
    }
    const signInAgain = await fetch(`${example.url}/auth/amazon`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: again.token }),
    });
    expect(signInAgain.status).toBe(401);
  });

  test('without a token (after a reload, or local only) the card says how to get one with the buttons shown', async () => {
    expect(await throughAmazon('#amazon-sign-in', 'Mork Hashimoto')).toBe(200);
    await page.reload();
    await page.locator('#amazon-link:enabled').waitFor();
    expect(await page.isDisabled('#try-api')).toBe(true);
    expect(await page.isVisible('#amazon-sign-in')).toBe(false);
    expect(await text('#amazon-link')).toBe('Link another Amazon account');
    expect(await text('#try-api-hint')).toContain('press “Link another Amazon account” and choose one already linked');
    // As it says: Mork again, and the card has a token.
    expect(await throughAmazon('#amazon-link', 'Mork Hashimoto')).toBe(200);
    await page.locator('#try-api:enabled').waitFor();
    expect(await page.isVisible('#try-api-hint')).toBe(false);

    await page.click('#sign-out');
    await page.locator('#signed-out').waitFor();
    expect(await text('#try-api-hint')).toContain('Sign in with Amazon above first');
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-signed-out-390.png'), fullPage: true });
    expect(await layoutProblems(page)).toEqual([]);
    await signUpLocally('gus', 'Gus Local');
    expect(await text('#try-api-hint')).toContain('Link an Amazon account above first');
    expect(await text('#amazon-link')).toBe('Link an Amazon account');
  });

  test('each protection control shows the API’s answer and why; the page holds at 390 and 1280 px', async () => {
    expect(await throughAmazon('#amazon-sign-in', 'Mork Hashimoto')).toBe(200);
    await page.click('#try-app-api:enabled');
    await page.locator('#api-result', { hasText: 'GET /api/app/me → HTTP 200' }).waitFor();
    await page.click('#try-api:enabled');
    await page.locator('#api-result', { hasText: 'GET /api/me → HTTP 200' }).waitFor();

    const result = page.locator('#protection-result');
    const cases: Array<[kind: string, answer: string, why: string]> = [
      [
        'other-app',
        'HTTP 401\n{\n  "error": "invalid_token",\n  "message": "The access token was issued to another application."',
        'confused deputy',
      ],
      [
        'expired',
        'HTTP 401\n{\n  "error": "invalid_token",\n  "message": "The access token is expired, revoked, or invalid."',
        'no longer valid',
      ],
      [
        'revoked',
        'HTTP 401\n{\n  "error": "invalid_token",\n  "message": "The access token was revoked."',
        'signed out here',
      ],
      ['outage', 'HTTP 502\n{\n  "error": "ERR_LWA_UPSTREAM_STATUS"', 'never a 401'],
    ];
    for (const [kind, answer, why] of cases) {
      await page.click(`[data-kind="${kind}"]`);
      await result.filter({ hasText: answer }).waitFor();
      expect([kind, await text('#protection-why')]).toEqual([kind, expect.stringContaining(why)]);
    }

    // Amazon not answering: while the API waits, the page says so and every button waits too.
    await page.click('[data-kind="slow"]');
    await page.locator('#progress').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'example-waiting.png') });
    expect(await page.getAttribute('main', 'aria-busy')).toBe('true');
    expect(await page.isDisabled('#try-api')).toBe(true);
    expect(await page.isDisabled('[data-kind="expired"]')).toBe(true);
    await result.filter({ hasText: 'HTTP 504' }).waitFor();
    expect(await page.isVisible('#progress')).toBe(false);
    expect(await page.isEnabled('#try-api')).toBe(true);
    expect(await text('#protection-why')).toContain('timeout');
    // And the fault is gone: the page's own token works again.
    await page.click('#try-api');
    await page.locator('#api-result', { hasText: 'HTTP 200' }).waitFor();

    await page.click('[data-kind="no-postal-code"]');
    await result.filter({ hasText: 'GET /api/shipping → HTTP 403' }).waitFor();
    expect(await text('#protection-result')).toContain('"error": "insufficient_scope"');
    expect(await text('#protection-why')).toContain('postal_code');

    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(ARTIFACTS, `example-${width}.png`), fullPage: true });
      expect([width, await layoutProblems(page)]).toEqual([width, []]);
    }
  });
});

/**
 * What breaks the layout, measured in the browser: a page wider than the window, an element
 * reaching past its card's border, or content wider than its own box. (A string: this project's
 * TypeScript has no DOM types.)
 */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push('the page scrolls sideways (' + root.scrollWidth + ' > ' + root.clientWidth + ')');
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    for (const card of document.querySelectorAll('.card')) {
      if (card.offsetParent === null) continue;
      const box = card.getBoundingClientRect();
      for (const el of card.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5)
          problems.push(name(el) + ' in ' + name(card) + ': ' + r.left + '..' + r.right + ' past ' + box.left + '..' + box.right);
        if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
          problems.push(name(el) + ' in ' + name(card) + ': content ' + el.scrollWidth + ' wide in ' + el.clientWidth);
      }
    }
    return problems;
  })()`);
}
