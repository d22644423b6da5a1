/**
 * Two people, two console sessions, one hub: Ana is on call, Bo is next. Ana turns
 * presence sharing on through the consent screen, then leaves her desk (her page's
 * clock jumps six minutes with no input — Playwright's "closed the lid" fast-forward,
 * the only thing faked). The hub sees her away; an incident for the team is announced
 * to Bo at once and never to Ana; Bo acknowledges it with a click; both boards show it.
 * Then Ana deletes her presence data from the app and the hub holds none of it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { artifactPath, chromiumMissing, ensureConsoleBuilt, launchChromium, signInToConsole } from '../helpers/browser';
import { amWebhook, startTestHub, type TestHub } from '../helpers/hub';

const missing = chromiumMissing() ?? (findExecutable('espeak-ng') ? null : 'espeak-ng not installed (apt-get install espeak-ng)');
if (missing && process.env['CI']) throw new Error(`CI must have Chromium and espeak-ng: ${missing}`);

const TOKENS = { ana: 'ana-token-0123456789abcdef', bo: 'bo-token-0123456789abcdefg' };

describe.skipIf(missing !== null)(`presence-aware escalation in two consoles${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let t: TestHub;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    ensureConsoleBuilt();
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(person: keyof typeof TOKENS, fakeClock = false): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    if (fakeClock) await page.clock.install(); // time runs normally until the test jumps it
    const errors = await signInToConsole(page, t.url, person, TOKENS[person], { speak: true });
    return { page, errors };
  }

  it('the primary is away: the secondary hears it at once, acknowledges, and the board follows; delete leaves nothing', { timeout: 120_000 }, async () => {
    t = await startTestHub({
      people: [
        { id: 'ana', name: 'Ana', role: 'responder', tokens: [TOKENS.ana] },
        { id: 'bo', name: 'Bo', role: 'responder', tokens: [TOKENS.bo] },
      ],
      // Ana's week started an hour ago; Bo is next.
      teams: [{ id: 'db', match: { team: 'db' }, rotation: { people: ['ana', 'bo'], start: new Date(Date.now() - 3_600_000).toISOString(), handoverHours: 168 }, escalation: { waitMinutes: 5, levels: 2 } }],
    });
    const ana = await signIn('ana', true);
    const bo = await signIn('bo');

    // Ana opts in: the consent screen first, from the hub's own policy.
    await ana.page.getByRole('button', { name: 'Presence' }).click();
    await ana.page.getByRole('button', { name: 'Share my presence…' }).click();
    const consent = ana.page.getByTestId('presence-consent');
    await consent.getByText('The hub keeps each update for 7 days, then deletes it.').waitFor();
    await consent.getByText(/Ana, Bo, the hub’s administrators\./).waitFor();
    await ana.page.screenshot({ path: artifactPath('presence-consent.png') });
    await ana.page.getByRole('button', { name: 'I agree — share my presence' }).click();
    await ana.page.getByText(/^Sharing: you appear as present/).waitFor();
    await expect.poll(async () => (await t.get('/api/v1/presence')).body.people.map((p: { person: string; state: string }) => `${p.person}:${p.state}`)).toEqual(['ana:present']);

    // Ana leaves her desk: six minutes pass in her page with no input.
    await ana.page.clock.fastForward('06:00');
    await expect.poll(async () => (await t.get('/api/v1/presence')).body.people[0]?.state, { timeout: 30_000 }).toBe('away');
    await ana.page.getByText(/^Sharing: you appear as away/).waitFor();

    // An incident for the team: escalation skips Ana, Bo hears it at once.
    const body = { ...amWebhook([{ fp: 'db-1', status: 'firing', labels: { team: 'db' }, summary: 'Replication stopped' }], 'ReplicationStopped'), commonLabels: { alertname: 'ReplicationStopped', team: 'db' } };
    expect((await t.post('/api/v1/ingest/alertmanager', body)).status).toBe(200);
    await bo.page.getByText('Speaking on System default: “Critical. ReplicationStopped. Incident 1.”').waitFor();
    const detail = (await t.get('/api/v1/incidents/1')).body.incident;
    expect(detail.timeline.filter((e: { type: string }) => e.type === 'incident.notified').map((e: { text: string }) => e.text)).toEqual(['Notified bo (db, level 1: ana away)']);
    // Ana sees the incident in her list, but nothing is spoken to her.
    await ana.page.getByTestId('incident-1').waitFor();
    expect(await ana.page.getByText(/Speaking on/).count()).toBe(0);

    // Bo's board: on call Ana (away), the incident is Bo's.
    await bo.page.getByRole('button', { name: 'Team' }).click();
    await bo.page.getByTestId('person-ana').getByText(/^away since /).waitFor();
    await bo.page.getByTestId('owner-bo').getByText('#1 ReplicationStopped (critical, triggered)', { exact: false }).waitFor();

    // Bo acknowledges with a click; the hub records him; both boards update without a reload.
    await bo.page.getByTestId('incident-1').click();
    await bo.page.keyboard.press('Enter'); // open its detail
    await bo.page.getByRole('button', { name: /^Acknowledge a$/ }).click();
    await expect.poll(async () => (await t.get('/api/v1/incidents/1')).body.incident.acknowledgedBy).toBe('bo');
    await bo.page.getByTestId('owner-bo').getByText(/\(critical, acknowledged\)/).waitFor();
    await ana.page.getByRole('button', { name: 'Team' }).click();
    await ana.page.getByTestId('owner-bo').getByText(/\(critical, acknowledged\)/).waitFor();
    await bo.page.screenshot({ path: artifactPath('team-board-after-ack.png') });
    expect(await ana.page.getByText(/Speaking on/).count()).toBe(0);

    // "Delete my presence data" from Ana's app: the hub holds none of it afterwards.
    expect(t.hub.presence.count('ana')).toBeGreaterThan(0);
    await ana.page.getByRole('button', { name: 'Delete my presence data' }).click();
    await ana.page.getByRole('button', { name: 'Yes, delete' }).click();
    await ana.page.getByText(/^Deleted \d+ presence records?; sharing is off\.$/).waitFor();
    expect(t.hub.presence.count('ana')).toBe(0);
    expect(t.hub.presence.hasConsent('ana')).toBe(false);
    expect((await t.get('/api/v1/presence')).body.people).toEqual([]);

    expect([...ana.errors, ...bo.errors]).toEqual([]);
  });
});
