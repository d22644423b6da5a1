/**
 * The desktop app itself, driven by Playwright's _electron. The Electron binary
 * cannot be downloaded on machines without internet (ELECTRON_SKIP_BINARY_DOWNLOAD),
 * so this skips there with one line saying so, and runs wherever it is installed.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectron } from '../../electron/cli/start';
import { ROOT } from '../helpers/cli';
import { amWebhook, tempDir } from '../helpers/hub';
import { ensureConsoleBuilt } from '../helpers/browser';

const electronBinary = findElectron();
const reason = 'missing' in electronBinary ? `no Electron runtime installed: ${electronBinary.missing}` : null;

describe.skipIf(reason !== null)(`desktop app (Electron)${reason ? ` — skipped: ${reason}` : ''}`, () => {
  let app: ElectronApplication | undefined;
  const userData = tempDir('earshot-e2e-userdata-');
  afterAll(async () => {
    await app?.close();
    rmSync(userData, { recursive: true, force: true });
  });

  it('launches with its embedded hub, shows tray state, and acknowledges', { timeout: 120_000 }, async () => {
    ensureConsoleBuilt();
    app = await electron.launch({
      executablePath: (electronBinary as { path: string }).path,
      args: [ROOT, `--user-data-dir=${userData}`, '--no-sandbox'],
      cwd: ROOT,
    });
    const url = await new Promise<string>((resolve) => {
      app!.process().stdout?.on('data', (d: Buffer) => {
        const m = d.toString().match(/hub listening on (http:\/\/\S+)/);
        if (m) resolve(m[1] as string);
      });
    });
    const token = readFileSync(join(userData, 'hub', 'hub-token'), 'utf8').trim();
    const window = await app.firstWindow();
    const titles = () => app!.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.getTitle()));
    await expect.poll(titles, { timeout: 20_000 }).toContain('Earshot: all clear');

    const res = await fetch(`${url}/api/v1/ingest/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(amWebhook([{ fp: 'e2e', status: 'firing' }])) });
    expect(res.status).toBe(200);
    await expect.poll(titles).toContain('Earshot: 1 triggered (1 critical)');
    await window.getByTestId('incident-1').waitFor();
    await window.keyboard.press('a');
    await expect.poll(titles).toContain('Earshot: 1 acknowledged');
    const incident = (await (await fetch(`${url}/api/v1/incidents/1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { incident: { status: string } };
    expect(incident.incident.status).toBe('acknowledged');
    // The page got exactly the contract, nothing from Node.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (window as { earshot?: { ack?: unknown } }).earshot?.ack)).toBe('function');
  });
});
