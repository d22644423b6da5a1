import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../electron/speech/engine';
import { runCli } from '../helpers/cli';
import { soxMissing, soxStat } from '../helpers/sox';

const dir = mkdtempSync(join(tmpdir(), 'earshot-say-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = findExecutable('espeak-ng') ? soxMissing() : 'espeak-ng not installed (apt-get install espeak-ng)';

describe.skipIf(missing !== null)(`earshot say${missing ? ` — skipped: ${missing}` : ''}`, () => {
  it('writes the WAV and says which backend and voice it used', () => {
    const out = join(dir, 'hello.wav');
    const r = runCli(['say', '--backend', 'espeak-ng', '--voice', 'en-gb', '--rate', '190', '--out', out, 'Critical.', 'Disk', 'almost', 'full.']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^espeak-ng, voice en-gb, rate 190: wrote .*hello\.wav \(\d+\.\d\d s\)$/m);
    expect(soxStat(out).rms).toBeGreaterThan(0.01);
  });

  it('treats hostile text as words to say', () => {
    const canary = join(dir, 'CANARY');
    const out = join(dir, 'hostile.wav');
    const r = runCli(['say', '--out', out, '--', `-w ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(canary)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['hello.wav', 'hostile.wav']);
  });

  it('refuses bad options with a precise message', () => {
    expect(runCli(['say', '--backend', 'nope', 'x']).stderr).toMatch(/--backend must be one of espeak-ng, festival, say, sapi/);
    expect(runCli(['say', '--voice', '$(id)', 'x']).stderr).toMatch(/--voice: letters, digits/);
    expect(runCli(['say', '--rate', '9000', 'x']).stderr).toMatch(/--rate: words per minute, 80 to 450/);
    expect(runCli(['say']).code).toBe(2);
  });

  it('says when no speech engine is installed', () => {
    const r = runCli(['say', 'hello'], { PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no speech engine found .* install espeak-ng/);
  });

  it('npm run demo:speech writes an announcement for a sample critical incident', () => {
    const out = join(dir, 'announcement.wav');
    const r = runCli(['demo-speech', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"Critical. Disk almost full on db-1: 97 percent used, 2.5 gigabytes left. Incident 42."');
    const stat = soxStat(out);
    expect(stat.rms).toBeGreaterThan(0.01);
    expect(stat.seconds).toBeGreaterThan(3);
  });
});
