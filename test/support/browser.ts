import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';

/** Debian's Chromium; Playwright downloads no browser here. `.ci/run` installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CONSOLE_BUILD = resolve(process.env.CONSOLE_DIR ?? 'dist/console', 'index.html');

/** Whether browser tests can run: in CI they must (a missing Chromium or console build fails them). */
export function browserAvailable(): boolean {
  const ready = existsSync(CHROMIUM) && existsSync(CONSOLE_BUILD);
  if (!ready && process.env.CI) throw new Error(`browser tests need ${CHROMIUM} and ${CONSOLE_BUILD} (npm run build)`);
  if (!ready) console.warn(`skipping browser tests: ${CHROMIUM} or ${CONSOLE_BUILD} is missing`);
  return ready;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
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
}

/** A fresh tab (own session storage) signed in with `key` through the sign-in form. */
export async function signedIn(browser: Browser, baseUrl: string, key: string, path = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/${path}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return page;
}

/** Waits until `locator` (or one of its matches containing `text`) is visible; fails after `timeout` ms. */
export async function shows(locator: Locator, text?: string | RegExp, timeout = 10_000): Promise<Locator> {
  const match = (text === undefined ? locator : locator.filter({ hasText: text })).first();
  await match.waitFor({ state: 'visible', timeout });
  return match;
}
