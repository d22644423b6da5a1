/**
 * `npm run demo:speech`: a sample critical incident goes through the real
 * announcer (event → coalescing → phrasing → speaker → engine) into a WAV.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Announcer, type Utterance } from '../../shared/announce/announcer';
import type { IncidentSummary } from '../../shared/incidents/types';
import { SpeechEngine, WavFileSpeaker } from '../speech/engine';
import { wavFileInfo } from '../speech/wav';
import { systemClock } from './say-command';

export const SAMPLE_INCIDENT: IncidentSummary = {
  id: 42,
  key: 'alertmanager:earshot:{}:{alertname="DiskFull"}',
  source: 'alertmanager',
  status: 'triggered',
  severity: 'critical',
  title: 'Disk almost full on db-1: 97% used, 2.5GB left (https://grafana.example/d/disk 3f2a9c1d0b7e4a11)',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  alertCounts: { firing: 1, resolved: 0 },
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical' },
  truncatedAlerts: 0,
  links: [],
  lastSeq: 2,
};

export async function runDemoSpeech(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'test/artifacts/announcement.wav' } } });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  const engine = SpeechEngine.detect();
  const announcer = new Announcer(new WavFileSpeaker(engine, out), systemClock);
  const spoken = new Promise<Utterance>((resolveSpoken, reject) => {
    let said: Utterance | undefined;
    announcer.onError(reject);
    announcer.onSpeakingChange((u) => {
      if (u) said = u;
      else if (said) resolveSpoken(said);
    });
  });
  announcer.onEvent({ type: 'event', seq: 1, event: { seq: 1, ts: SAMPLE_INCIDENT.createdAt, incidentId: 42, actor: 'alertmanager/demo', type: 'incident.triggered', data: {} } as never, incident: SAMPLE_INCIDENT });
  const utterance = await spoken;
  announcer.stop();
  process.stdout.write(`"${utterance.text}"\n${engine.backend.name}, voice ${engine.voice}: wrote ${out} (${wavFileInfo(out).seconds.toFixed(2)} s)\n`);
  return 0;
}
