/**
 * The web console speaks: an incident arrives, the page's announcer has the hub
 * synthesise it, the page plays it; an AirPods press (the Media Session action)
 * acknowledges it at the hub, and "Acknowledged." follows.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium, signInToConsole } from '../helpers/browser';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';

const missing = chromiumMissing() ?? (findExecutable('espeak-ng') ? null : 'espeak-ng not installed (apt-get install espeak-ng)');
if (missing && process.env['CI']) throw new Error(`CI must have Chromium and espeak-ng: ${missing}`);

// Records what the page does with audio and media keys, without changing it.
const INSTRUMENT = `
  window.__mediaHandlers = {};
  const session = navigator.mediaSession;
  const setHandler = session.setActionHandler.bind(session);
  session.setActionHandler = (action, handler) => { window.__mediaHandlers[action] = handler; setHandler(action, handler); };
  window.__audios = [];
  const NativeAudio = window.Audio;
  window.Audio = function (...args) {
    const el = new NativeAudio(...args);
    el.__events = [];
    for (const ev of ['play', 'playing', 'ended', 'error', 'pause']) el.addEventListener(ev, () => el.__events.push(ev));
    window.__audios.push(el);
    return el;
  };
`;

describe.skipIf(missing !== null)(`web console speech${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  beforeAll(async () => {
    ensureConsoleBuilt();
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('announces a new incident aloud, and an AirPods press acknowledges it at the hub', { timeout: 60_000 }, async () => {
    t = await startTestHub();
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    await context.addInitScript(INSTRUMENT);
    const page: Page = await context.newPage();
    const errors = await signInToConsole(page, t.url, 'erin', TEST_TOKEN, { speak: true });

    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'db-1', status: 'firing', summary: 'Disk almost full on db-1' }]))).status).toBe(200);
    const indicator = page.getByTestId('announcement');
    await page.getByText('Speaking on System default: “Critical. DiskFull. Incident 1.”').waitFor();
    await expect.poll(() => page.evaluate(() => (window as unknown as { __audios: { __events: string[] }[] }).__audios[0]?.__events ?? [])).toContain('playing');
    await page.screenshot({ path: artifactPath('console-speaking.png') });

    // An AirPods press while it speaks: the Media Session "pause" action.
    expect(await page.evaluate(() => Object.keys((window as unknown as { __mediaHandlers: Record<string, unknown> }).__mediaHandlers).sort())).toEqual(['nexttrack', 'pause', 'play']);
    await page.evaluate(() => (window as unknown as { __mediaHandlers: Record<string, () => void> }).__mediaHandlers['pause']!());
    await expect.poll(async () => (await t.get('/api/v1/incidents/1')).body.incident.acknowledgedBy).toBe('erin');
    // A spoken confirmation follows.
    await page.getByText('Speaking on System default: “Acknowledged. Incident 1.”').waitFor();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 20_000 }).toMatch(/holding|idle/);
    expect(await page.evaluate(() => (window as unknown as { __audios: { __events: string[] }[] }).__audios.some((a) => a.__events.includes('ended')))).toBe(true);
    expect(errors).toEqual([]);
  });
});
