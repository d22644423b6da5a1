import type { z } from 'zod';

/** "alerts[0].labels.severity" from a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[], root = '(body)'): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? root : out;
}

/** One line per issue, each naming the offending field first. */
export function describeIssues(error: z.ZodError, root?: string): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path, root)}: ${issue.message}`);
}
