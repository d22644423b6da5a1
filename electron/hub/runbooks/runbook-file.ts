/**
 * A runbook is a markdown file:
 *
 *   ---
 *   title: Disk almost full
 *   match: ['alertname="DiskFull"', 'severity=~"critical|error"']
 *   owner: storage
 *   ---
 *   Ordinary markdown for people…
 *
 *   ```earshot-step
 *   id: disk-usage
 *   title: Show disk usage
 *   run: [ssh, "{{label.instance}}", --, df, -h]
 *   timeout: 30s
 *   ```
 *
 * Executable steps are declared explicitly, as YAML in `earshot-step` blocks: an
 * argument vector (`run`, no shell) or an HTTP call (`http`). Alert labels and
 * annotations reach a step only as whole argv elements, encoded URL query values,
 * JSON string values, or EARSHOT_LABEL_* / EARSHOT_ANNOTATION_* variables — never
 * spliced into a command string. Validation errors name the file, line and field.
 */
import { createHash } from 'node:crypto';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { durationSchema } from '../../../shared/duration';
import { severitySchema } from '../../../shared/incidents/types';
import { formatIssuePath } from '../../../shared/zod-issues';
import { parseMatchers, type Matcher } from '../../../shared/runbooks/matchers';

/** `{{label.name}}` or `{{annotation.name}}`. */
export const TEMPLATE = /\{\{\s*(label|annotation)\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*(label|annotation)\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}$/;

const argSchema = z
  .string()
  .max(4_096)
  .refine((a) => WHOLE_TEMPLATE.test(a) || !/\{\{/.test(a), 'a label or annotation can only be a whole argument ("{{label.instance}}"), never part of one');

const headerValue = z.string().max(4_096).refine((v) => !/[\r\n]/.test(v), 'header values cannot contain line breaks');

export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and -'),
    title: z.string().min(1).max(200),
    run: z.array(argSchema).min(1).max(100).optional(),
    http: z
      .object({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
        url: z
          .string()
          .max(2_048)
          .refine((u) => /^https?:\/\/[^\s{}]+$/.test(u), 'must be a fixed http(s) URL; put labels in query values, not in the URL'),
        query: z.record(z.string().max(100), z.string().max(4_096)).default({}),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'header names are letters, digits and -'), headerValue).default({}),
        body: z.unknown().optional(),
      })
      .strict()
      .optional(),
    timeout: durationSchema.default(30_000).refine((ms) => ms > 0 && ms <= 600_000, 'between 1 ms and 10 minutes'),
    confirm: z.boolean().default(true),
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'environment names are UPPER_CASE'), z.string().max(4_096)).default({}),
    concurrent: z.boolean().default(false),
  })
  .strict()
  .refine((s) => (s.run === undefined) !== (s.http === undefined), { message: 'a step has exactly one of run or http', path: ['run'] });
export type RunbookStep = z.output<typeof stepSchema>;

export const frontMatterSchema = z
  .object({
    title: z.string().min(1).max(200),
    match: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    severity: severitySchema.optional(),
    owner: z.string().max(200).optional(),
  })
  .strict();

export interface Runbook {
  /** The path below the runbooks directory, without .md: stable across reloads. */
  id: string;
  file: string;
  title: string;
  matchers: Matcher[];
  severity?: z.infer<typeof severitySchema>;
  owner?: string;
  /** The markdown for people, with the step blocks taken out. */
  body: string;
  steps: RunbookStep[];
  contentHash: string;
}

export interface RunbookProblem {
  file: string;
  line: number;
  field: string;
  message: string;
}

export class RunbookError extends Error {
  constructor(readonly problems: RunbookProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`).join('\n'));
    this.name = 'RunbookError';
  }
}

/** The 1-based line of a field in a YAML document that starts at `firstLine`. */
function lineOf(doc: Document, source: string, path: readonly PropertyKey[], firstLine: number): number {
  let node: unknown = doc.contents;
  let offset = (node as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: number[] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = (node as { range?: number[] } | undefined)?.range?.[0] ?? offset;
    } else break;
  }
  return firstLine + source.slice(0, offset).split('\n').length - 1;
}

function parseYamlBlock<S extends z.ZodType>(schema: S, source: string, file: string, firstLine: number, where: string): { value?: z.output<S>; problems: RunbookProblem[] } {
  const doc = parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({ file, line: firstLine + (e.linePos?.[0]?.line ?? 1) - 1, field: where, message: `YAML: ${e.message.split('\n')[0] ?? ''}` })),
    };
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { value: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.flatMap((issue) => {
      // An unknown key is reported on its own line, not its parent's.
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return paths.map((path) => ({
        file,
        line: lineOf(doc, source, path, firstLine),
        field: `${where}${path.length ? `.${formatIssuePath(path, '')}` : ''}`,
        message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
      }));
    }),
  };
}

/** Parses one runbook file. Throws RunbookError listing every problem found. */
export function parseRunbook(text: string, file: string, id: string): Runbook {
  const problems: RunbookProblem[] = [];
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '---') throw new RunbookError([{ file, line: 1, field: 'front matter', message: 'a runbook starts with --- front matter (title, match)' }]);
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) throw new RunbookError([{ file, line: 1, field: 'front matter', message: 'the front matter is not closed with ---' }]);
  const fm = parseYamlBlock(frontMatterSchema, lines.slice(1, end).join('\n'), file, 2, 'front matter');
  problems.push(...fm.problems);
  let matchers: Matcher[] = [];
  if (fm.value) {
    try {
      matchers = parseMatchers(fm.value.match);
    } catch (err) {
      problems.push({ file, line: 2, field: 'front matter.match', message: (err as Error).message });
    }
  }

  const steps: RunbookStep[] = [];
  const body: string[] = [];
  for (let i = end + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*```\s*earshot-step\s*$/.test(line)) {
      const close = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
      if (close < 0) {
        problems.push({ file, line: i + 1, field: 'earshot-step', message: 'the step block is not closed with ```' });
        break;
      }
      const step = parseYamlBlock(stepSchema, lines.slice(i + 1, close).join('\n'), file, i + 2, `step ${steps.length + 1}`);
      problems.push(...step.problems);
      if (step.value) {
        if (steps.some((s) => s.id === step.value?.id)) problems.push({ file, line: i + 2, field: `step ${steps.length + 1}.id`, message: `duplicate step id "${step.value.id}"` });
        steps.push(step.value);
      }
      i = close;
      continue;
    }
    body.push(line);
  }
  if (problems.length > 0) throw new RunbookError(problems);
  const front = fm.value as z.output<typeof frontMatterSchema>;
  return {
    id,
    file,
    title: front.title,
    matchers,
    ...(front.severity ? { severity: front.severity } : {}),
    ...(front.owner ? { owner: front.owner } : {}),
    body: body.join('\n').trim(),
    steps,
    contentHash: createHash('sha256').update(text).digest('hex'),
  };
}
