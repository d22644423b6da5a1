import { describe, expect, it } from 'vitest';
import { numberWords, phrase, phraseStorm, speakable } from '../../shared/announce/phrasing';
import { summary } from '../helpers/fake-api';

describe('speakable', () => {
  it.each([
    ['Disk almost full on db-1', 'Disk almost full on db-1'],
    ['Disk 97% full on db-1 (see https://grafana.example/d/abc?x=1)', 'Disk 97 percent full on db-1 see'],
    ['p99 latency 2500ms > 500ms', 'p99 latency 2500 milliseconds 500 milliseconds'],
    ['Memory 15.5GiB used of 16GiB', 'Memory 15.5 gibibytes used of 16 gibibytes'],
    ['Job failed: run 3f2a9c1d0b7e4a11 exited', 'Job failed: run exited'],
    ['{alertname="DiskFull", instance="db-1:9100"} firing', 'firing'],
    ['HighErrorRate job=api severity=critical', 'HighErrorRate'],
    ['<b>Disk</b> <script>alert(1)</script> full', 'Disk alert 1 full'],
    ['[[slnc 5000]][[volm 0]] silent attack', 'silent attack'],
    ['--help -o /tmp/x', 'help -o /tmp/x'],
    ['$(touch canary) `id` ; rm -rf ~ | cat', 'touch canary id rm -rf cat'],
    ['line one\nline two\u0000\u202e', 'line one line two'],
  ])('%j → %j', (input, spoken) => {
    expect(speakable(input)).toBe(spoken);
  });

  it('bounds length at a word boundary', () => {
    const out = speakable('word '.repeat(200));
    expect(out.length).toBeLessThanOrEqual(161);
    expect(out.endsWith('word…')).toBe(true);
  });

  it('never returns text an engine could take as an option or embedded command', () => {
    for (const s of ['-x', '--voice=evil', '  -v en', '—dash', '[[inpt PHON]]x', '+1 rep']) {
      const out = speakable(s);
      expect(out.startsWith('-')).toBe(false);
      expect(out).not.toContain('[[');
    }
  });
});

describe('phrase', () => {
  it('announces a new incident the way a person would say it', () => {
    expect(phrase('new', summary(42, { severity: 'critical', title: 'Disk almost full on db-1' }))).toBe('Critical. Disk almost full on db-1. Incident 42.');
  });

  it('covers re-trigger, resolve and acknowledgement', () => {
    const inc = summary(7, { severity: 'warning', title: 'Latency high on api (https://x.example)' });
    expect(phrase('retriggered', inc)).toBe('Again: Warning. Latency high on api. Incident 7.');
    expect(phrase('resolved', inc)).toBe('Resolved: Latency high on api. Incident 7.');
    expect(phrase('acknowledged', inc, undefined, 'alice')).toBe('Incident 7 acknowledged by alice.');
  });

  it('uses configured templates', () => {
    expect(phrase('new', summary(3, { severity: 'info', title: 'Backup done' }), { new: '{title}, {severity}, number {id}', retriggered: '', escalated: '', resolved: '', acknowledged: '' })).toBe('Backup done, Info, number 3');
  });

  it('says something sensible when the title is all noise', () => {
    expect(phrase('new', summary(9, { severity: 'error', title: 'https://x.example/a 0xdeadbeefcafe1234' }))).toBe('Error. an alert. Incident 9.');
  });
});

describe('phraseStorm', () => {
  it('turns many incidents into one sentence with the top one', () => {
    const incidents = [summary(1), summary(2, { severity: 'critical', title: 'Database down' }), summary(3, { severity: 'critical', title: 'API down' }), ...Array.from({ length: 9 }, (_, i) => summary(10 + i))];
    expect(phraseStorm(incidents)).toBe('Twelve new incidents, two critical. Top: API down.');
  });

  it.each([
    [0, 'zero'],
    [12, 'twelve'],
    [21, 'twenty-one'],
    [300, 'three hundred'],
    [999, 'nine hundred and ninety-nine'],
    [1000, '1000'],
  ])('numberWords(%d) = %s', (n, w) => expect(numberWords(n)).toBe(w));
});
