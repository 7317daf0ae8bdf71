/**
 * The example and the emulator in Chromium (playwright-core, /usr/bin/chromium), for what
 * test/example/polish.test.ts cannot see over HTTP: nothing a browser asks for on its own, the
 * favicon above all, ends in a 404 or any other console error; the local sign-up says it worked.
 * Skipped when Chromium is missing (one line says so), except in CI (CI=true), where that is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { LwaEmulator } from '../../lib/testing';
import { createApp, type ExampleApp } from '../../example/app';
import { emulatorConfig } from '../../example/config';
import { ExampleDatabase } from '../../example/database';
import { DEMO_CUSTOMERS, seedDemoAccounts } from '../../example/demo';
import { describeWith } from '../support/fixture';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';

jest.setTimeout(60_000);

/** The example's answers, by path, as its server finished them; `answered(path)` waits for the first. */
class AnswerLog {
  private readonly statuses = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(status: number) => void>>();

  record(path: string, status: number): void {
    if (!this.statuses.has(path)) this.statuses.set(path, status);
    for (const resolve of this.waiting.get(path) ?? []) resolve(status);
    this.waiting.delete(path);
  }

  answered(path: string): Promise<number> {
    const status = this.statuses.get(path);
    if (status !== undefined) return Promise.resolve(status);
    return new Promise((resolve) => this.waiting.set(path, [...(this.waiting.get(path) ?? []), resolve]));
  }
}

describeWith(CHROMIUM, `the example's polish in Chromium`, () => {
  let emu: LwaEmulator;
  let example: ExampleApp;
  let server: Server;
  let url: string;
  let context: BrowserContext;
  let profileDir: string;
  const log = new AnswerLog();
  const consoleErrors: string[] = [];
  const failedLoads: string[] = [];

  beforeAll(async () => {
    emu = await LwaEmulator.start({ customers: DEMO_CUSTOMERS });
    const database = ExampleDatabase.open(':memory:');
    await seedDemoAccounts(database.accounts, emu);
    example = createApp(emulatorConfig(emu), database);
    server = createServer((req, res) => {
      res.once('finish', () => log.record(new URL(req.url ?? '/', 'http://x').pathname, res.statusCode));
      example.app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profileDir = mkdtempSync(path.join(tmpdir(), 'example-console-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM.path,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    // Every page of the context, the sign-in popup included.
    context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    context.on('response', (response) => {
      if (response.status() >= 400) failedLoads.push(`${response.status()} ${response.url()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await example?.close();
    await emu?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await context.clearCookies(); // each test starts signed out
  });

  test('the example page, a sign-in through the popup, and the emulator index: no 404, no console error', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#amazon-sign-in:enabled').waitFor();
    // Chromium asks for the icon by itself (no request event for it): the server says how it answered.
    expect(await log.answered('/favicon.ico')).toBe(204);

    // The emulator's icon: asked for by the sign-in popup or, if that closes first, by the index page below.
    const emulatorIcon = emu.nextRequest((r) => r.path === '/favicon.ico');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#amazon-sign-in')]);
    const answer = page.waitForResponse((r) => r.url().endsWith('/auth/amazon'));
    await popup.getByRole('button', { name: /^Ann Example/ }).click();
    expect((await answer).status()).toBe(200);
    await page.locator('#message', { hasText: 'A new account was created' }).waitFor();

    // The emulator's own URL, as the example prints it.
    const index = await page.goto(emu.url);
    expect(index?.status()).toBe(200);
    await page.getByRole('heading', { name: /Login with Amazon/ }).waitFor();
    await emulatorIcon;
    await page.close();

    expect(failedLoads).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  test('a local sign-up confirms, as the Amazon sign-in does', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#amazon-sign-in:enabled').waitFor();
    await page.fill('#local-signup [name=username]', 'dana');
    await page.fill('#local-signup [name=password]', 'correct horse battery');
    await page.fill('#local-signup [name=name]', 'Dana Local');
    await page.click('#local-signup button[type=submit]');
    await page.locator('#account-name', { hasText: 'Dana Local' }).waitFor();
    expect(await page.textContent('#message')).toBe('Welcome, Dana Local! Your account dana was created.');
    expect(await page.getAttribute('#message', 'role')).toBe('status');
    expect(await page.getAttribute('#message', 'class')).toBe('');

    await page.click('#sign-out');
    await page.locator('#signed-out').waitFor();
    await page.fill('#local-signin [name=username]', 'dana');
    await page.fill('#local-signin [name=password]', 'correct horse battery');
    await page.click('#local-signin button[type=submit]');
    await page.locator('#message', { hasText: 'Welcome back, Dana Local.' }).waitFor();
    await page.close();
    expect(consoleErrors).toEqual([]);
  });

  test('a username refused, then the browser’s own check: the old message goes, so the two never contradict', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#amazon-sign-in:enabled').waitFor();
    await page.fill('#local-signin [name=username]', 'nobody');
    await page.fill('#local-signin [name=password]', 'wrong password');
    await page.click('#local-signin button[type=submit]');
    await page.locator('#message.error', { hasText: 'Wrong username or password.' }).waitFor();
    // An empty required field: the browser refuses the form itself and says why in its bubble.
    await page.fill('#local-signin [name=password]', '');
    await page.click('#local-signin button[type=submit]');
    await page.locator('#message').waitFor({ state: 'hidden' });
    await page.close();
  });

  // Last: it stops the emulator.
  test('the emulator stopped, then Sign in with Amazon: the page says Amazon could not be reached, not "cancelled"', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#amazon-sign-in:enabled').waitFor();
    await emu.close();
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#amazon-sign-in')]);
    await popup.waitForLoadState();
    await popup.close(); // what a person does with a window saying the site cannot be reached
    await page.locator('#message.error', { hasText: 'emulator is not answering' }).waitFor();
    expect(await page.textContent('#message')).not.toContain('cancelled');
    await page.close();
  });
});
