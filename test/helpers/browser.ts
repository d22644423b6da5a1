/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findConsoleDir } from '../../electron/hub/console-files';
import { ROOT } from './cli';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test/artifacts');

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not installed (apt-get install chromium)`;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

/**
 * The build must exist: the web console for the hub to serve, and out/main for tests of the built
 * app (`npm test` builds first; this covers a bare vitest run).
 */
export function ensureConsoleBuilt(): void {
  if (findConsoleDir() && existsSync(join(ROOT, 'out/main/ingest-decoder.js'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Signs in to the web console on `page` (already set up: clock, init scripts) and waits until it is live. Returns the page's uncaught errors as they come. */
export async function signInToConsole(page: Page, url: string, name: string, token: string, o: { speak?: boolean } = {}): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Hub token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('connection').getByText('Live').waitFor();
  if (o.speak) {
    // Speech in a browser tab is off until turned on.
    await page.getByTestId('speak-toggle').click();
    await page.getByText('Speak: on').waitFor();
  }
  return errors;
}
