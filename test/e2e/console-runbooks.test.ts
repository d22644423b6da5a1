/** A runbook step run from the web console: confirm, watch the output, and find it in the audit chain. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../electron/hub/store/event-store';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium, signInToConsole } from '../helpers/browser';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';

const missing = chromiumMissing();
if (missing && process.env['CI']) throw new Error(`CI must have Chromium: ${missing}`);

const RUNBOOK = `---
title: Disk almost full
match: ['alertname="DiskFull"']
owner: storage
---
Check what grew. <img src=x onerror="window.__pwned=1"> See the [handbook](https://wiki.example.com/disk) and [not this](javascript:alert(1)).

\`\`\`earshot-step
id: usage
title: Show what grew
run: [sh, -c, 'echo "host $EARSHOT_LABEL_INSTANCE"; echo "98% /var"']
\`\`\`
`;

describe.skipIf(missing !== null)(`runbooks in the web console${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  const dir = mkdtempSync(join(tmpdir(), 'earshot-e2e-runbooks-'));
  beforeAll(async () => {
    ensureConsoleBuilt();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the matching runbook, runs a confirmed step with live output, and records it in the chain', { timeout: 60_000 }, async () => {
    writeFileSync(join(dir, 'disk.md'), RUNBOOK);
    t = await startTestHub({ runbooks: { dir } });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const errors = await signInToConsole(page, t.url, 'frank', TEST_TOKEN);
    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'db-1', status: 'firing', labels: { instance: 'db-1' } }]))).status).toBe(200);
    await page.getByTestId('incident-1').dblclick();
    const runbooks = page.getByTestId('runbooks');
    await runbooks.getByText('Disk almost full').waitFor();
    // Markdown is rendered; raw HTML in the file is not; only the https link is offered.
    expect(await runbooks.locator('img').count()).toBe(0);
    expect(await runbooks.locator('button.link-button').allTextContents()).toEqual(['handbook']);

    await page.getByTestId('step-usage').getByRole('button', { name: 'Run' }).click();
    const confirm = page.getByTestId('confirm-run');
    expect(await confirm.getByTestId('confirm-command').textContent()).toBe(`sh -c 'echo "host $EARSHOT_LABEL_INSTANCE"; echo "98% /var"'`);
    await page.keyboard.press('Escape'); // cancel: nothing runs, the incident stays open
    await confirm.waitFor({ state: 'detached' });
    await page.getByTestId('incident-detail').waitFor();
    await page.getByTestId('step-usage').getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('confirm-run').getByRole('button', { name: 'Run' }).click();

    const run = page.getByTestId('run-usage');
    await run.getByText(/^Done in \d+\.\d s$/).waitFor();
    expect(await run.locator('pre.output').textContent()).toBe('host db-1\n98% /var\n');
    await page.getByTestId('incident-detail').getByText(/Ran "Show what grew" from runbook "Disk almost full" .* — frank/).waitFor();
    await page.screenshot({ path: artifactPath('console-runbook.png') });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);

    const timeline = (await t.get('/api/v1/incidents/1')).body.incident.timeline.map((e: { type: string; actor: string }) => [e.type, e.actor]);
    expect(timeline).toEqual(expect.arrayContaining([['runbook.step.started', 'frank'], ['runbook.step.finished', 'frank']]));
    expect(timeline.filter(([type]: string[]) => type === 'runbook.step.started')).toHaveLength(1); // the cancelled one never ran
    await t.hub.close();
    expect(verifyChain(t.dataDir)).toMatchObject({ ok: true });
  });
});
