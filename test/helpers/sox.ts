import { spawnSync } from 'node:child_process';
import { findExecutable } from '../../electron/speech/engine';

export function soxMissing(): string | null {
  return findExecutable('sox') ? null : 'sox not installed (apt-get install sox)';
}

/** `sox file -n stat`: length in seconds and RMS amplitude (0 = silence). */
export function soxStat(file: string): { seconds: number; rms: number; maxAmplitude: number } {
  const r = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const num = (label: string) => Number(out.match(new RegExp(`${label}:\\s+(-?[\\d.]+)`))?.[1] ?? NaN);
  return { seconds: num('Length \\(seconds\\)'), rms: num('RMS\\s+amplitude'), maxAmplitude: num('Maximum amplitude') };
}
