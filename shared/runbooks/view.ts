/** Runbooks as the UI receives them for one incident (the hub's RunbookView). */
import { z } from 'zod';

export const stepPreviewSchema = z.object({
  argv: z.array(z.string()).optional(),
  request: z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.string().optional() }).optional(),
});

export const stepViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  confirm: z.boolean(),
  concurrent: z.boolean(),
  timeoutMs: z.number(),
  kind: z.enum(['run', 'http']),
  preview: stepPreviewSchema.optional(),
  unavailable: z.string().optional(),
});

export const runbookViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  file: z.string(),
  owner: z.string().optional(),
  match: z.array(z.string()),
  contentHash: z.string(),
  body: z.string(),
  steps: z.array(stepViewSchema),
});
export type RunbookView = z.infer<typeof runbookViewSchema>;
export type StepView = z.infer<typeof stepViewSchema>;

/** Shell-like display of an argument vector: what will run, unambiguously (quotes where needed). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
