/** The team board: who is on call now and next, each person's presence (if they share it), open incidents by owner. */
import { z } from 'zod';
import { severitySchema } from './incidents/types';
import { presenceStateSchema } from './presence/presence';

export const boardSchema = z.object({
  teams: z.array(z.object({ id: z.string(), onCall: z.string(), next: z.string().nullable(), handoverAt: z.string() })),
  people: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      /** Null unless the person shares presence. */
      presence: z.object({ state: presenceStateSchema, since: z.string() }).nullable(),
    }),
  ),
  /** Null for people who may not read incidents (presence-only). */
  openByOwner: z
    .array(
      z.object({
        owner: z.string(),
        incidents: z.array(z.object({ id: z.number().int(), title: z.string(), severity: severitySchema, status: z.enum(['triggered', 'acknowledged']) })),
      }),
    )
    .nullable(),
});
export type Board = z.infer<typeof boardSchema>;
