import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium } from '../helpers/browser';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';

const missing = chromiumMissing();
if (missing && process.env['CI']) throw new Error(`CI must have Chromium: ${missing}`);

describe.skipIf(missing !== null)(`web console in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.close();
  });

  async function signIn(name: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, colorScheme: scheme });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    (page as Page & { problems?: string[] }).problems = problems;
    await page.goto(t.url);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Hub token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('connection').getByText('Live').waitFor();
    return page;
  }

  it('shows incidents live, acknowledges with "a", syncs a second browser, and shows the sender\'s resolve', { timeout: 60_000 }, async () => {
    t = await startTestHub();
    const alice = await signIn('alice');
    await alice.getByTestId('list-empty').getByText('All clear').waitFor();
    const bob = await signIn('bob', 'dark');

    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'db-1', status: 'firing', summary: 'Disk almost full on db-1' }, { fp: 'db-2', status: 'firing', severity: 'warning' }]))).status).toBe(200);
    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'web-1', status: 'firing', severity: 'warning', summary: 'Latency high' }], 'HighLatency'))).status).toBe(200);
    const first = alice.getByTestId('incident-1');
    await first.waitFor();
    await alice.getByTestId('incident-2').waitFor();
    // Critical first.
    expect(await alice.getByTestId('incident-list').locator('li').first().getAttribute('data-testid')).toBe('incident-1');
    await alice.screenshot({ path: artifactPath('console-list.png') });

    // Keyboard: the first (critical) incident is selected; "a" acknowledges it.
    await alice.bringToFront();
    expect(await first.getAttribute('aria-selected')).toBe('true');
    await alice.keyboard.press('a');
    await expect.poll(async () => (await t.get('/api/v1/incidents/1')).body.incident.status).toBe('acknowledged');
    expect((await t.get('/api/v1/incidents/1')).body.incident.acknowledgedBy).toBe('alice');
    // Bob's browser saw it without reloading, within a second of the hub recording it.
    await bob.locator('[data-testid="incident-1"][data-status="acknowledged"]').waitFor({ timeout: 1_000 });

    // Detail view, then the sender resolves the group.
    await alice.keyboard.press('Enter');
    const detail = alice.getByTestId('incident-detail');
    await detail.getByText('Acknowledged by alice').first().waitFor();
    await alice.screenshot({ path: artifactPath('console-detail.png') });
    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'db-1', status: 'resolved' }, { fp: 'db-2', status: 'resolved', severity: 'warning' }]))).status).toBe(200);
    await detail.locator('.status-badge.status-resolved').first().waitFor();
    await detail.getByText('Resolved: every alert resolved at the sender').first().waitFor();
    await bob.bringToFront(); // a page behind another gets no animation frames, which clicks wait for
    await bob.getByTestId('filter-resolved').click();
    await bob.locator('[data-testid="incident-1"][data-status="resolved"]').waitFor();
    await bob.screenshot({ path: artifactPath('console-dark-resolved.png') });

    // Resolve and snooze from the keyboard too.
    await bob.getByTestId('filter-open').click();
    await bob.getByTestId('incident-2').click();
    await bob.keyboard.press('s');
    await bob.getByTestId('snooze-menu').getByRole('button', { name: '15 minutes' }).click();
    await expect.poll(async () => (await t.get('/api/v1/incidents/2')).body.incident.snoozedUntil).toBeDefined();
    await bob.keyboard.press('r');
    await expect.poll(async () => (await t.get('/api/v1/incidents/2')).body.incident.resolvedBy).toBe('bob');

    for (const page of [alice, bob]) expect((page as Page & { problems?: string[] }).problems).toEqual([]);
  });

  it('renders hostile alert text as text: no script runs, non-http links are not clickable, layout holds', async () => {
    t = await startTestHub();
    const page = await signIn('carol');
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const long = 'A'.repeat(3_000);
    const body = amWebhook([{ fp: 'evil', status: 'firing', summary: hostile, labels: { note: `javascript:alert(1) ${long}`, '<b>x</b>': '"><svg onload=window.__pwned=3>' } }], 'Evil<iframe>');
    const alerts = body['alerts'] as Record<string, unknown>[];
    alerts[0]!['generatorURL'] = 'javascript:window.__pwned=4';
    (alerts[0]!['annotations'] as Record<string, string>)['runbook_url'] = 'https://runbooks.example/evil';
    (alerts[0]!['annotations'] as Record<string, string>)['description'] = long;
    body['externalURL'] = 'data:text/html,<script>window.__pwned=5</script>';
    expect((await t.post('/api/v1/ingest/alertmanager', body)).status).toBe(200);
    // A PagerDuty link with a non-http scheme.
    expect((await t.post('/v2/enqueue', { routing_key: TEST_TOKEN, event_action: 'trigger', dedup_key: 'pd', payload: { summary: hostile, source: 'x', severity: 'info' }, links: [{ href: 'javascript:window.__pwned=6', text: 'click me' }] })).status).toBe(202);

    await page.getByTestId('incident-1').waitFor();
    await page.getByTestId('incident-1').dblclick();
    const detail = page.getByTestId('incident-detail');
    await detail.waitFor();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img, iframe, svg, script:not([src])').count()).toBe(0);
    // The hostile text is on screen, as text.
    await detail.getByText(hostile).first().waitFor();
    // The only link offered as a button is the https runbook; nothing with another scheme is clickable.
    expect(await detail.locator('button.link-button').allTextContents()).toEqual(['Runbook']);
    expect(await page.locator('a[href^="javascript:"], a[href^="data:"]').count()).toBe(0);
    // Long strings wrap: nothing scrolls sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: artifactPath('console-hostile.png') });
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
  });

  it('asks for the token again when the hub refuses it', async () => {
    t = await startTestHub();
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(t.url);
    await page.getByLabel('Your name').fill('mallory');
    await page.getByLabel('Hub token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The hub did not accept that token.').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('earshot.token'))).toBeNull();
  });

  it('shows reconnecting with a countdown when the hub goes away, and live again when it is back', { timeout: 60_000 }, async () => {
    const dataDir = (await import('../helpers/hub')).tempDir();
    t = await startTestHub({}, dataDir);
    const page = await signIn('dave');
    const port = new URL(t.url).port;
    await t.hub.close();
    await page.getByTestId('connection').getByText(/Reconnecting in \d+ s/).waitFor({ timeout: 10_000 });
    await page.getByText('Not live: this list may be out of date.').waitFor();
    // Retry now while the hub is still away: one more attempt, and the countdown again.
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByTestId('connection').getByText(/Reconnecting in \d+ s/).waitFor({ timeout: 10_000 });
    t = await startTestHub({ port: Number(port) }, dataDir);
    // The client's own backoff may reconnect while the hub starts; if not, Retry now does it.
    await page
      .getByRole('button', { name: 'Retry now' })
      .click({ timeout: 1_000 })
      .catch(() => undefined);
    await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 20_000 });
    await page.getByText('Not live: this list may be out of date.').waitFor({ state: 'detached' });
  });
});
