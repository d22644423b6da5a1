/**
 * Acknowledge by voice, in the web console, end to end: Chromium's fake microphone
 * plays a WAV of "acknowledge" (espeak-ng, a different speed and pitch from the
 * enrolment takes), the hub speaks a new incident, the console opens its listening
 * window when the announcement ends, recognises the word, acknowledges the incident
 * at the hub, and says so aloud. "acknowledge" is enrolled through the page itself
 * (three takes from the same microphone); the other four words are enrolled from
 * espeak renders put where the console keeps them. Only the microphone (a file) is
 * a stand-in; the rest is the real page, capture path, hub and speech.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { COMMANDS } from '../../shared/voice/recognizer';
import { espeakEnrolment, render, writeWav16 } from '../bench/voice/corpus';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium, signInToConsole } from '../helpers/browser';
import { TEST_TOKEN, amWebhook, startTestHub, tempDir, type TestHub } from '../helpers/hub';

const missing = chromiumMissing() ?? (findExecutable('espeak-ng') && findExecutable('sox') ? null : 'espeak-ng and sox not installed (apt-get install espeak-ng sox)');
if (missing && process.env['CI']) throw new Error(`CI must have Chromium, espeak-ng and sox: ${missing}`);

const VOICE = 'en-us';

/** The other four commands, enrolled from espeak renders; "acknowledge" is recorded through the page's own microphone path below. */
const enrolment = () => espeakEnrolment(VOICE, COMMANDS.filter((c) => c !== 'acknowledge'));

describe.skipIf(missing !== null)(`voice acknowledgement in the web console${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  const wav = join(tempDir(), 'mic-acknowledge.wav');
  beforeAll(async () => {
    ensureConsoleBuilt();
    // The "microphone": a second of room quiet, the word, then quiet (Chromium loops it).
    const said = render({ text: 'acknowledge', voice: VOICE, speed: 170, pitch: 48, padBefore: 1.0, padAfter: 1.5 });
    writeWav16(wav, said.samples);
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('"acknowledge" after the announcement acknowledges the incident at the hub, and it is confirmed aloud', { timeout: 90_000 }, async () => {
    t = await startTestHub();
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    await context.addInitScript(
      ([key, value]) => {
        if (!localStorage.getItem(key)) localStorage.setItem(key, value);
        localStorage.setItem('earshot.voice', 'on');
      },
      ['earshot.voice.enrolment', JSON.stringify(enrolment())] as const,
    );
    const page = await context.newPage();
    const errors = await signInToConsole(page, t.url, 'erin', TEST_TOKEN, { speak: true });
    await page.getByRole('button', { name: 'Voice' }).click();
    await page.getByTestId('takes-snooze').getByText('3 of 3').waitFor();
    // The word model that ships with the app loads from the console's own bundle.
    await expect.poll(() => page.getByTestId('voice-model').getAttribute('data-model')).toBe('ready');
    for (const n of [1, 2, 3]) {
      await page.getByRole('button', { name: 'Record “acknowledge”' }).click();
      await page.getByTestId('takes-acknowledge').getByText(`${n} of 3`).waitFor();
    }
    expect(await page.getByLabel('Listen for commands after announcements').isChecked()).toBe(true);

    expect((await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'db-1', status: 'firing', summary: 'Disk almost full on db-1' }]))).status).toBe(200);
    await page.getByText('Speaking on System default: “Critical. DiskFull. Incident 1.”').waitFor();
    await page.getByTestId('listening').getByText(/Listening for #1:/).waitFor(); // after the announcement ends
    await page.screenshot({ path: artifactPath('console-listening.png') });
    await expect.poll(async () => (await t.get('/api/v1/incidents/1')).body.incident.acknowledgedBy, { timeout: 20_000 }).toBe('erin');
    await page.getByText('Speaking on System default: “Acknowledged. Incident 1.”').waitFor();
    // The confirmation asks for nothing: no window opens after it.
    await page.getByTestId('speech-indicator').or(page.getByTestId('announcement')).first().waitFor();
    await expect.poll(() => page.getByTestId('announcement').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/holding|idle/);
    expect(await page.getByTestId('listening').count()).toBe(0);
    const timeline = (await t.get('/api/v1/incidents/1')).body.incident.timeline as { type: string; actor: string }[];
    expect(timeline.filter((e) => e.type === 'incident.acknowledged').map((e) => e.actor)).toEqual(['erin']);
    expect(errors).toEqual([]);
  });
});
