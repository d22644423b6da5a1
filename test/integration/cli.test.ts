import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, exited, runCli, spawnCli, waitForLine } from '../helpers/cli';
import { TEST_TOKEN, tempDir } from '../helpers/hub';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

function track(child: ChildProcess): ChildProcess {
  children.push(child);
  return child;
}

describe('earshot hub', () => {
  it('prints one line with the real URL for --port 0, listens on 127.0.0.1 and ::1, and exits 0 on SIGTERM', async () => {
    const child = track(spawnCli(['hub', '--port', '0', '--data-dir', dir(), '--token', TEST_TOKEN]));
    const [line, url, port] = await waitForLine(child, /^Earshot hub listening on (http:\/\/127\.0\.0\.1:(\d+))$/m);
    expect(line).not.toContain(':0\n');
    expect(Number(port)).toBeGreaterThan(0);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const v6 = await fetch(`http://[::1]:${port}/healthz`).then((r) => r.status, () => 'no IPv6 here');
    expect([200, 'no IPv6 here']).toContain(v6);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // Structured JSON logs on stderr.
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'hub stopped']));
  });

  it('reads a YAML config file, with env vars over it and flags over both', async () => {
    const d = dir();
    const file = join(d, 'hub.yaml');
    writeFileSync(file, `port: 1\ndataDir: ${join(d, 'from-file')}\ntokens:\n  - name: alertmanager\n    token: am-token-0123456789abcdef\nlogLevel: warn\n`);
    const child = track(spawnCli(['hub', '--config', file, '--port', '0'], { EARSHOT_DATA_DIR: join(d, 'from-env'), EARSHOT_TOKEN: TEST_TOKEN }));
    const [, url] = await waitForLine(child, /listening on (http:\/\/\S+)/);
    const asAm = await fetch(`${url}/api/v1/incidents`, { headers: { authorization: 'Bearer am-token-0123456789abcdef' } });
    const asAdmin = await fetch(`${url}/api/v1/incidents`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect([asAm.status, asAdmin.status]).toEqual([200, 200]);
    child.kill('SIGTERM');
    await exited(child);
    expect(runCli(['verify', '--data-dir', join(d, 'from-env')]).code).toBe(0);
  });

  it('refuses a bad config with every problem named, and exits 2', () => {
    const d = dir();
    const file = join(d, 'hub.json');
    writeFileSync(file, JSON.stringify({ port: 'eighty', tokens: [{ name: 'x y', token: 'short' }], incidents: { staleAlertAfter: 'a while' }, colour: 'blue' }));
    const r = runCli(['hub', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid configuration:');
    for (const field of ['port:', 'tokens[0].name:', 'tokens[0].token: must be at least 16 characters', 'incidents.staleAlertAfter: not a duration', 'Unrecognized key: "colour"']) {
      expect(r.stderr).toContain(field);
    }
  });

  it('names a config file that does not parse', () => {
    const d = dir();
    const file = join(d, 'hub.json');
    writeFileSync(file, '{ "port": ');
    const r = runCli(['hub', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file .*hub\.json is not valid JSON/);
  });

  it('makes and keeps a token when none is configured, and says where it is', async () => {
    const d = dir();
    const child = track(spawnCli(['hub', '--port', '0', '--data-dir', d]));
    const [, , token] = await waitForLine(child, /listening on (http:\/\/\S+)\nNo token configured: using the one in \S+: (\S+)/);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    child.kill('SIGTERM');
    await exited(child);
    const again = track(spawnCli(['hub', '--port', '0', '--data-dir', d]));
    const [, , same] = await waitForLine(again, /listening on (http:\/\/\S+)\nNo token configured: using the one in \S+: (\S+)/);
    expect(same).toBe(token);
  });

  it('refuses to share a data dir with a running hub', async () => {
    const d = dir();
    const first = track(spawnCli(['hub', '--port', '0', '--data-dir', d, '--token', TEST_TOKEN]));
    await waitForLine(first, /listening on/);
    const r = runCli(['hub', '--port', '0', '--data-dir', d, '--token', TEST_TOKEN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`another hub \\(pid ${first.pid}\\) is using`));
  });

  it('explains its usage for an unknown command', () => {
    const r = runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toContain('usage: earshot');
  });
});

describe('npm start', () => {
  it('without an Electron runtime starts the hub with the web console and says so in one line', async () => {
    const child = track(
      spawn('npm', ['start', '--', '--port', '0', '--data-dir', dir(), '--token', TEST_TOKEN], {
        cwd: ROOT,
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir(), 'no-electron-here') },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    const [line, url] = await waitForLine(child, /^No Electron runtime installed \(.+\); started the hub with the web console instead: open (http:\/\/127\.0\.0\.1:\d+)\/$/m);
    expect(line.split('\n')).toHaveLength(1);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>'); // the built console, not the placeholder
    const script = html.match(/src="\.?(\/assets\/[^"]+\.js)"/)?.[1];
    expect((await fetch(`${url}${script ?? '/missing'}`)).status).toBe(200);
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited(child);
  });
});
