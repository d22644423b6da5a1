/**
 * The telemetry panel in real Chromium, from a recorded stream of this machine's
 * collector (test/fixtures/telemetry/recorded.json, 150 samples at 1 Hz): the built
 * renderer with `window.earshot` standing in for the preload. Live samples arrive,
 * a click opens the larger chart; the screenshot lands in test/artifacts/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHistory } from '../../shared/telemetry/local';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium } from '../helpers/browser';
import { ROOT } from '../helpers/cli';
import { startTestHub, type TestHub } from '../helpers/hub';

const missing = chromiumMissing();
if (missing && process.env['CI']) throw new Error(`CI must have Chromium: ${missing}`);

const recorded = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/telemetry/recorded.json'), 'utf8')) as LocalHistory;
const HISTORY = 120; // the rest arrives live

async function standInBundle(): Promise<string> {
  const shim = join(ROOT, 'test/e2e/fixtures/vitest-shim.ts');
  const out = await build({
    entryPoints: [join(ROOT, 'test/e2e/fixtures/desktop-stand-in.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    platform: 'browser',
    plugins: [{ name: 'vitest-shim', setup: (b) => b.onResolve({ filter: /^vitest$/ }, () => ({ path: shim })) }],
  });
  return out.outputFiles[0]!.text;
}

describe.skipIf(missing !== null)(`telemetry panel in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  beforeAll(async () => {
    ensureConsoleBuilt();
    [browser, t] = await Promise.all([launchChromium(), startTestHub()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows this machine live, hides what it lacks, and charts the last hour on click', async () => {
    const page = await browser.newPage({ viewport: { width: 760, height: 720 } });
    const history: LocalHistory = { ts: recorded.ts.slice(0, HISTORY), metrics: Object.fromEntries(Object.entries(recorded.metrics).map(([k, v]) => [k, v.slice(0, HISTORY)])) };
    await page.addInitScript(`window.__recorded = ${JSON.stringify(history)};`);
    await page.addInitScript(await standInBundle());
    await page.goto(t.url); // the hub serves the built renderer; with window.earshot it runs as the desktop app would
    await page.getByRole('button', { name: 'This computer' }).click();
    const panel = page.getByTestId('telemetry-panel');
    await expect.poll(() => panel.getByTestId('metric-cpu.total').isVisible()).toBe(true);

    for (let i = HISTORY; i < recorded.ts.length; i++) {
      const sample = { ts: recorded.ts[i]!, metrics: Object.fromEntries(Object.entries(recorded.metrics).flatMap(([k, v]) => (v[i] === null || v[i] === undefined ? [] : [[k, v[i]]]))) };
      await page.evaluate((s) => (window as unknown as { __fake: { sample(x: unknown): void } }).__fake.sample(s), sample);
    }
    const last = recorded.ts.length - 1;
    const cpuNow = recorded.metrics['cpu.total']![last]!;
    await expect.poll(() => panel.getByTestId('metric-cpu.total').textContent()).toContain(`${cpuNow.toFixed(1)} %`);
    const cores = Object.keys(recorded.metrics).filter((k) => k.startsWith('cpu.core.'));
    expect(cores.length).toBeGreaterThan(0);
    for (const core of cores) expect(await panel.getByTestId(`metric-${core}`).isVisible()).toBe(true);
    expect(await panel.getByTestId('metric-battery.percent').count()).toBe(recorded.metrics['battery.percent'] ? 1 : 0); // this VM: none, hidden
    expect(await panel.getByTestId('metric-mem.total').count()).toBe(0);
    expect(await panel.locator('svg.sparkline path').count()).toBeGreaterThanOrEqual(4);

    await panel.getByTestId('metric-cpu.total').click();
    await expect.poll(() => panel.getByTestId('big-chart').textContent()).toMatch(/^CPU, last 3 min: now /);
    const d = await panel.getByRole('img', { name: 'CPU, last hour' }).locator('path').getAttribute('d');
    expect(d?.match(/[ML]/g)?.length).toBe(recorded.metrics['cpu.total']!.filter((v) => v !== null).length); // every recorded point is drawn
    await page.screenshot({ path: artifactPath('telemetry-panel.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
