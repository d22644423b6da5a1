import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stepSchema, type RunbookStep } from '../../electron/hub/runbooks/runbook-file';
import { runStep, StepInputError, type StepContext } from '../../electron/hub/runbooks/step-runner';

const dir = mkdtempSync(join(tmpdir(), 'earshot-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = (s: Record<string, unknown>): RunbookStep => stepSchema.parse({ id: 's', title: 'S', ...s });
const ctx = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}): StepContext => ({ incidentId: 7, labels, annotations });

/** Running, as opposed to gone or a zombie (killed, waiting to be reaped: some VMs' init never does). */
function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function run(s: RunbookStep, c: StepContext, maxOutputBytes?: number) {
  const out: [string, string][] = [];
  const handle = runStep(s, c, { onOutput: (stream, chunk) => out.push([stream, chunk]), ...(maxOutputBytes ? { maxOutputBytes } : {}), killGraceMs: 300 });
  const result = await handle.done;
  return { handle, result, out, stdout: out.filter(([s]) => s === 'stdout').map(([, c]) => c).join(''), stderr: out.filter(([s]) => s === 'stderr').map(([, c]) => c).join('') };
}

describe('running steps (real processes)', () => {
  it('streams stdout and stderr as they come, and reports the exit code and duration', async () => {
    const { result, out } = await run(step({ run: ['sh', '-c', 'echo one; sleep 0.2; echo two >&2; exit 3'] }), ctx());
    expect(out).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
    ]);
    expect(result).toMatchObject({ exitCode: 3, timedOut: false, outputBytes: 8, truncated: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(200);
  });

  it('kills the whole process tree on timeout', async () => {
    const pidFile = join(dir, 'child.pid');
    const { result } = await run(step({ run: ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], timeout: '300ms' }), ctx());
    expect(result.timedOut).toBe(true);
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(child)).toBe(false); // the grandchild is gone too
  });

  it('caps output, saying so, while still counting it', async () => {
    const { result, stdout, stderr } = await run(step({ run: ['sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x'] }), ctx(), 1_000);
    expect(result).toMatchObject({ exitCode: 0, truncated: true, outputBytes: 1_000_000 });
    expect(stdout.length).toBe(1_000);
    expect(stderr).toContain('[earshot: output cut at 1000 bytes]');
  });

  it('reports a program that cannot start', async () => {
    const { result } = await run(step({ run: ['/nonexistent/program'] }), ctx());
    expect(result.error).toMatch(/could not start \/nonexistent\/program/);
  });

  it('does not hand the hub\'s environment (and its tokens) to steps', async () => {
    process.env['EARSHOT_TOKEN'] = 'hub-secret-token-value';
    try {
      const { stdout } = await run(step({ run: ['env'], env: { GREETING: 'hello' } }), ctx({ instance: 'db-1', 'k8s-pod': 'api-7' }, { summary: 'Disk full' }));
      expect(stdout).not.toContain('hub-secret-token-value');
      expect(stdout).toContain('GREETING=hello');
      expect(stdout).toContain('EARSHOT_LABEL_INSTANCE=db-1');
      expect(stdout).toContain('EARSHOT_LABEL_K8S_POD=api-7');
      expect(stdout).toContain('EARSHOT_ANNOTATION_SUMMARY=Disk full');
      expect(stdout).toContain('EARSHOT_INCIDENT_ID=7');
    } finally {
      delete process.env['EARSHOT_TOKEN'];
    }
  });
});

describe('injection: label values never execute or escape', () => {
  const canary = join(dir, 'CANARY');
  const hostile = [`$(touch ${canary})`, `; touch ${canary}`, `\`touch ${canary}\``, `x\ntouch ${canary}`, `| touch ${canary}`, `&& touch ${canary}`, `'; touch ${canary}; '`];

  it.each(hostile)('as a whole argument: %j is one literal argument', async (value) => {
    const { stdout, result } = await run(step({ run: ['printf', '%s', '{{label.instance}}'] }), ctx({ instance: value }));
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe(value);
    expect(existsSync(canary)).toBe(false);
  });

  it.each(hostile)('through the environment into a fixed script: %j stays data', async (value) => {
    const { stdout } = await run(step({ run: ['sh', '-c', 'printf "%s" "$EARSHOT_LABEL_INSTANCE"'] }), ctx({ instance: value }));
    expect(stdout).toBe(value);
    expect(existsSync(canary)).toBe(false);
  });

  it.each(['--option=value', '-oProxyCommand=touch x', '-rf'])('refuses %j as an argument: a program would read it as an option', (value) => {
    expect(() => runStep(step({ run: ['ssh', '{{label.instance}}', 'uptime'] }), ctx({ instance: value }), { onOutput: () => undefined })).toThrow(StepInputError);
    expect(() => runStep(step({ run: ['ssh', '{{label.instance}}', 'uptime'] }), ctx({ instance: value }), { onOutput: () => undefined })).toThrow(/starts with "-" and would be read as an option: refused/);
  });

  it('refuses a step whose label is missing, before anything runs', () => {
    expect(() => runStep(step({ run: ['echo', '{{label.instance}}'] }), ctx(), { onOutput: () => undefined })).toThrow(/label "instance" is not set on this incident/);
  });

  it('keeps URLs fixed: "../", CR/LF and & in labels are encoded query values, and the request line is unchanged', async () => {
    const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const value = '../../admin?x=1&y=2\r\nX-Injected: yes';
      const { result, stdout } = await run(
        step({ http: { method: 'POST', url: `http://127.0.0.1:${port}/api/v2/silences`, query: { instance: '{{label.instance}}' }, headers: { 'x-team': 'storage' }, body: { comment: 'for {{label.instance}}' } } }),
        ctx({ instance: value }),
      );
      expect(result).toMatchObject({ exitCode: 0, httpStatus: 200 });
      expect(stdout).toBe('HTTP 200 OK\nok');
      expect(seen).toHaveLength(1);
      const req = seen[0]!;
      expect(req.url.startsWith('/api/v2/silences?instance=')).toBe(true);
      expect(new URL(req.url, 'http://x').searchParams.get('instance')).toBe(value);
      expect(req.headers['x-injected']).toBeUndefined();
      expect(req.headers['x-team']).toBe('storage');
      expect(JSON.parse(req.body)).toEqual({ comment: `for ${value}` });
    } finally {
      server.close();
    }
  });
});
