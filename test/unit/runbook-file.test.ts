import { describe, expect, it } from 'vitest';
import { parseRunbook, RunbookError } from '../../electron/hub/runbooks/runbook-file';
import { matches, parseMatchers } from '../../shared/runbooks/matchers';

const GOOD = `---
title: Disk almost full
match:
  - alertname="DiskFull"
  - severity=~"critical|error"
  - env!="dev"
owner: storage
---
# Disk almost full

1. Look at what grew.

\`\`\`earshot-step
id: disk-usage
title: Show disk usage on the host
run: [ssh, "{{label.instance}}", --, df, -h]
timeout: 20s
\`\`\`

Then decide.

\`\`\`earshot-step
id: silence
title: Silence for an hour
confirm: true
http:
  method: POST
  url: https://alertmanager.example/api/v2/silences
  query: { comment: "by earshot for {{label.alertname}}" }
  body: { matchers: [{ name: alertname, value: "{{label.alertname}}" }] }
\`\`\`
`;

function problems(text: string): string[] {
  try {
    parseRunbook(text, 'disk.md', 'disk');
    return [];
  } catch (err) {
    if (!(err instanceof RunbookError)) throw err;
    return err.message.split('\n');
  }
}

describe('runbook files', () => {
  it('parses front matter, matchers, the body for people, and the steps', () => {
    const rb = parseRunbook(GOOD, 'disk.md', 'disk');
    expect(rb).toMatchObject({ id: 'disk', title: 'Disk almost full', owner: 'storage' });
    expect(rb.steps.map((s) => [s.id, s.timeout, s.confirm, s.concurrent])).toEqual([
      ['disk-usage', 20_000, true, false],
      ['silence', 30_000, true, false],
    ]);
    expect(rb.body).toContain('1. Look at what grew.');
    expect(rb.body).not.toContain('earshot-step');
    expect(rb.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(matches(rb.matchers, { alertname: 'DiskFull', severity: 'critical', env: 'prod' })).toBe(true);
    expect(matches(rb.matchers, { alertname: 'DiskFull', severity: 'warning' })).toBe(false);
    expect(matches(rb.matchers, { alertname: 'DiskFull', severity: 'error', env: 'dev' })).toBe(false);
  });

  it('names file, line and field for each problem', () => {
    const broken = GOOD.replace('timeout: 20s', 'timeout: soon\nretries: 3').replace('owner: storage', 'owner: storage\ncolour: red');
    expect(problems(broken).sort()).toEqual([
      'disk.md:18: step 1.timeout: not a duration: "soon" (use e.g. "90s", "15m", "1h", or milliseconds)',
      'disk.md:19: step 1.retries: unknown field',
      'disk.md:8: front matter.colour: unknown field',
    ]);
    expect(problems(GOOD.replace('timeout: 20s', 'timeout: 20s\n  retries: 3'))).toEqual([expect.stringMatching(/^disk\.md:1[78]: step 1: YAML: /), expect.stringMatching(/^disk\.md:1[789]: step 1: YAML: /)]);
  });

  it.each([
    ['no front matter', '# just markdown', 'disk.md:1: front matter: a runbook starts with --- front matter'],
    ['unclosed front matter', '---\ntitle: x\n', 'disk.md:1: front matter: the front matter is not closed with ---'],
    ['missing match', '---\ntitle: x\n---\n', 'disk.md:2: front matter.match: Invalid input'],
    ['bad matcher', '---\ntitle: x\nmatch: alertname~"x"\n---\n', 'disk.md:2: front matter.match: not a matcher'],
    ['bad regex', '---\ntitle: x\nmatch: \'a=~"("\'\n---\n', 'disk.md:2: front matter.match: invalid regex for a'],
    ['bad YAML', '---\ntitle: [x\n---\n', 'disk.md:2: front matter: YAML'],
    ['label inside an argument', GOOD.replace('"{{label.instance}}"', '"--host={{label.instance}}"'), 'disk.md:16: step 1.run[1]: a label or annotation can only be a whole argument'],
    ['label in the URL', GOOD.replace('url: https://alertmanager.example/api/v2/silences', 'url: "https://{{label.host}}/x"'), 'step 2.http.url: must be a fixed http(s) URL'],
    ['both run and http', GOOD.replace('confirm: true\nhttp:', 'confirm: true\nrun: [echo]\nhttp:'), 'step 2.run: a step has exactly one of run or http'],
    ['duplicate step id', GOOD.replace('id: silence', 'id: disk-usage'), 'step 2.id: duplicate step id "disk-usage"'],
    ['unclosed step', '---\ntitle: x\nmatch: a="b"\n---\n```earshot-step\nid: x\n', 'disk.md:5: earshot-step: the step block is not closed'],
  ])('%s', (_name, text, expected) => {
    expect(problems(text).join('\n')).toContain(expected);
  });
});

describe('Alertmanager matchers', () => {
  it.each([
    ['{alertname="DiskFull", severity=~"crit.*"}', { alertname: 'DiskFull', severity: 'critical' }, true],
    ['alertname="DiskFull"', { alertname: 'DiskFullX' }, false],
    ['team!="payments"', {}, true],
    ['env=~"prod|staging"', { env: 'prod-eu' }, false], // anchored, as in Alertmanager
    ['env!~"dev.*"', { env: 'development' }, false],
    ['label=""', {}, true], // a missing label is the empty string
    ["name='quoted, with comma'", { name: 'quoted, with comma' }, true],
  ])('%s on %j → %s', (text, labels, expected) => {
    expect(matches(parseMatchers(text), labels)).toBe(expected);
  });
});
