import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../electron/hub/store/event-store';
import { TEST_TOKEN, amWebhook, startTestHub, type TestHub } from '../helpers/hub';
import { TestStreamClient } from '../helpers/stream-client';

let t: TestHub;
let dir: string;
afterEach(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const RUNBOOK = `---
title: Disk almost full
match: ['alertname="DiskFull"']
owner: storage
---
Check what grew, then **free space**.

\`\`\`earshot-step
id: usage
title: Show usage
run: [sh, -c, 'echo "checking $EARSHOT_LABEL_INSTANCE"; echo done']
\`\`\`

\`\`\`earshot-step
id: slow
title: A slow check
run: [sleep, "2"]
\`\`\`

\`\`\`earshot-step
id: by-host
title: Per-host check
run: [echo, "{{label.host}}"]
\`\`\`
`;

async function setup() {
  dir = mkdtempSync(join(tmpdir(), 'earshot-runbooks-'));
  writeFileSync(join(dir, 'disk.md'), RUNBOOK);
  writeFileSync(join(dir, 'broken.md'), '---\ntitle: Broken\nmatch: nonsense\n---\n');
  t = await startTestHub({ runbooks: { dir } });
  await t.post('/api/v1/ingest/alertmanager', amWebhook([{ fp: 'a', status: 'firing', labels: { instance: 'db-1' } }]));
}

describe('runbooks in the hub', () => {
  it('lists loaded runbooks and reports broken ones without failing', async () => {
    await setup();
    const { body } = await t.get('/api/v1/runbooks');
    expect(body.runbooks.map((r: { id: string }) => r.id)).toEqual(['disk']);
    expect(body.problems).toEqual([{ file: 'broken.md', line: 2, field: 'front matter.match', message: expect.stringMatching(/not a matcher/) }]);
  });

  it('matches runbooks to an incident and shows what each step would run for it', async () => {
    await setup();
    const { runbooks } = (await t.get('/api/v1/incidents/1/runbooks')).body;
    expect(runbooks).toHaveLength(1);
    expect(runbooks[0]).toMatchObject({ id: 'disk', title: 'Disk almost full', match: ['alertname="DiskFull"'], body: 'Check what grew, then **free space**.' });
    expect(runbooks[0].steps[0]).toMatchObject({ id: 'usage', confirm: true, preview: { argv: ['sh', '-c', 'echo "checking $EARSHOT_LABEL_INSTANCE"; echo done'] } });
    expect(runbooks[0].steps[2]).toMatchObject({ id: 'by-host', unavailable: 'label "host" is not set on this incident' });
  });

  it('runs a step on request: output streams live, start and end are in the audit chain', async () => {
    await setup();
    const client = new TestStreamClient(t.url, { authorization: `Bearer ${TEST_TOKEN}` });
    await client.send({ type: 'hello' });
    await client.waitFor('snapshot');
    await client.send({ type: 'run_step', requestId: 'r1', incidentId: 1, runbook: 'disk', step: 'usage', actor: 'alice' });
    const reply = await client.waitFor('reply', (m) => m.requestId === 'r1');
    expect(reply.ok).toBe(true);
    const runId = reply.run?.runId;
    const finished = await client.waitFor('step_finished', (m) => m.runId === runId);
    expect(finished.result).toMatchObject({ exitCode: 0, timedOut: false, truncated: false });
    const output = client.messages.filter((m): m is Extract<typeof m, { type: 'step_output' }> => m.type === 'step_output' && m.runId === runId).map((m) => m.data).join('');
    expect(output).toBe('checking db-1\ndone\n');
    await expect.poll(async () => (await t.get('/api/v1/incidents/1')).body.incident.timeline.map((e: { text: string }) => e.text)).toEqual(
      expect.arrayContaining([
        'Ran "Show usage" from runbook "Disk almost full" (sh -c echo "checking $EARSHOT_LABEL_INSTANCE"; echo done) — alice',
        expect.stringMatching(/^"Show usage" exit 0 after \d\.\d s \(19 bytes of output\)$/),
      ]),
    );
    client.close();
    await t.hub.close();
    const chain = verifyChain(t.dataDir);
    expect(chain.ok).toBe(true);
  });

  it('refuses a second run of the same step while the first runs, and names what is wrong', async () => {
    await setup();
    const first = await t.post('/api/v1/incidents/1/runbooks/disk/steps/slow/run', { actor: 'alice' });
    expect(first.status).toBe(202);
    const second = await t.post('/api/v1/incidents/1/runbooks/disk/steps/slow/run', { actor: 'bob' });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe('"A slow check" is already running for incident 1');
    expect((await t.post('/api/v1/incidents/1/runbooks/disk/steps/by-host/run', { actor: 'bob' })).body.error.message).toBe('label "host" is not set on this incident');
    expect((await t.post('/api/v1/incidents/1/runbooks/nope/steps/x/run', { actor: 'bob' })).status).toBe(404);
    expect((await t.post('/api/v1/incidents/1/runbooks/disk/steps/usage/run', {})).body.error.issues).toEqual(['actor: a name is required (1 to 200 characters)']);
    expect((await t.post('/api/v1/incidents/1/runbooks/disk/steps/usage/run', { actor: 'x' }, { authorization: '' })).status).toBe(401);
  });

  it('picks up changed runbooks without a restart', async () => {
    await setup();
    writeFileSync(join(dir, 'broken.md'), '---\ntitle: Fixed now\nmatch: alertname="DiskFull"\n---\nAll good.\n');
    await expect.poll(async () => (await t.get('/api/v1/runbooks')).body.runbooks.map((r: { id: string }) => r.id), { timeout: 5_000 }).toEqual(['broken', 'disk']);
    expect((await t.get('/api/v1/runbooks')).body.problems).toEqual([]);
  });
});
