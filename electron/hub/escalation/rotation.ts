/**
 * A simple on-call rotation: an ordered list of people handing over every
 * `handoverHours` from `start`, with overrides (a person takes the primary slot for
 * an interval). Pure; times are ms since the epoch.
 */
import { z } from 'zod';

export const rotationSchema = z
  .object({
    people: z.array(z.string().regex(/^[\w.@-]{1,64}$/, 'a person id: letters, digits, . _ @ -')).min(1),
    /** When the first person's first shift starts (ISO 8601). */
    start: z.string().datetime({ offset: true }),
    handoverHours: z.number().positive().max(24 * 28).default(168),
    overrides: z
      .array(z.object({ person: z.string().min(1), from: z.string().datetime({ offset: true }), to: z.string().datetime({ offset: true }) }).strict())
      .default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    r.overrides.forEach((o, i) => {
      if (!r.people.includes(o.person)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'person'], message: `"${o.person}" is not in this rotation's people` });
      if (Date.parse(o.to) <= Date.parse(o.from)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'to'], message: 'must be after from' });
    });
  });
export type Rotation = z.infer<typeof rotationSchema>;

/** Who is on call at `at`, in escalation order: the primary first, then the rest of the rotation after them. */
export function onCallOrder(r: Rotation, at: number): string[] {
  const n = r.people.length;
  const shift = Math.floor((at - Date.parse(r.start)) / (r.handoverHours * 3_600_000));
  const first = ((shift % n) + n) % n;
  const order = Array.from({ length: n }, (_, i) => r.people[(first + i) % n] as string);
  const override = r.overrides.find((o) => Date.parse(o.from) <= at && at < Date.parse(o.to));
  if (!override) return order;
  return [override.person, ...order.filter((p) => p !== override.person)];
}

/** When the current shift ends (the next hand-over), for the board. */
export function nextHandover(r: Rotation, at: number): number {
  const len = r.handoverHours * 3_600_000;
  const start = Date.parse(r.start);
  return start + (Math.floor((at - start) / len) + 1) * len;
}
