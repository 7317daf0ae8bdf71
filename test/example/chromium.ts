/** Debian's Chromium for the example's browser tests, driven by playwright-core (not Playwright's own browsers). */
import { existsSync } from 'node:fs';
import type { Tool } from '../support/fixture';

const PATH = '/usr/bin/chromium';

/** For `describeWith`: skipped without it, except in CI, where that fails. */
export const CHROMIUM: Tool = {
  name: `Chromium (${PATH})`,
  path: existsSync(PATH) ? PATH : undefined,
  install: 'apt-get install chromium',
};

/** The network here is closed: without these, Chromium's background connections fail and stall it. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
