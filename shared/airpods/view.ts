/** What the AirPods panel shows: the scanner's status flattened for the UI (and the IPC contract). */
import { z } from 'zod';
import type { AudioMetrics } from '../protocol/stream';

const pod = z.object({ battery: z.number().nullable(), charging: z.boolean(), inEar: z.boolean() });

export const airpodsViewSchema = z.object({
  bluetooth: z.enum(['starting', 'scanning', 'poweredOff', 'unauthorized', 'unsupported', 'resetting', 'unknown']),
  reason: z.string().optional(),
  state: z.enum(['unpaired', 'searching', 'tracking', 'not-sure', 'not-seen']),
  model: z.string().optional(),
  left: pod.optional(),
  right: pod.optional(),
  case: z.object({ battery: z.number().nullable(), charging: z.boolean(), lidOpen: z.boolean().nullable() }).optional(),
  single: z.object({ battery: z.number().nullable(), charging: z.boolean() }).optional(),
  rssi: z.number().optional(),
  lastSeen: z.number().optional(),
  notSure: z.string().optional(),
  nearby: z.array(z.object({ address: z.string(), model: z.string(), color: z.number(), rssi: z.number(), lastSeen: z.number(), summary: z.string() })),
});
export type AirPodsView = z.infer<typeof airpodsViewSchema>;

export const NO_AIRPODS: AirPodsView = { bluetooth: 'unsupported', reason: 'AirPods status is shown in the desktop app', state: 'unpaired', nearby: [] };

/** "L 90% · R 80% · case 50%" */
export function batterySummary(f: { left?: { battery: number | null } | undefined; right?: { battery: number | null } | undefined; case?: { battery: number | null } | undefined; single?: { battery: number | null } | undefined }): string {
  const pct = (b: number | null | undefined) => (b === null || b === undefined ? '?' : `${b}%`);
  if (f.single) return pct(f.single.battery);
  return [`L ${pct(f.left?.battery)}`, `R ${pct(f.right?.battery)}`, `case ${pct(f.case?.battery)}`].join(' · ');
}

/** What is shared with the hub (only when the user enables it): no addresses, no signal, no raw adverts. */
export function toAudioMetrics(view: AirPodsView): AudioMetrics | null {
  if (view.bluetooth !== 'scanning' || view.state === 'unpaired' || !view.model) return null;
  const m: AudioMetrics = { model: view.model, state: view.state };
  if (view.state === 'tracking') {
    if (view.left) m.left = view.left;
    if (view.right) m.right = view.right;
    if (view.case) m.case = view.case;
    if (view.single) m.single = view.single;
  }
  if (view.lastSeen !== undefined) m.lastSeen = new Date(view.lastSeen).toISOString();
  return m;
}
