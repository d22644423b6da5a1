/**
 * The one contract between the renderer and whatever serves it:
 *   - in Electron, preload turns each entry into `window.earshot.<method>` over IPC,
 *     and main validates every call against the same schemas;
 *   - in a browser (the web console), renderer/src/api/web-api.ts implements the
 *     same interface over the hub's WebSocket and HTTP API.
 * Types are inferred from the schemas, never written twice.
 */
import { z } from 'zod';
import { durationSchema } from '../duration';
import { incidentDetailSchema, incidentSummarySchema } from '../incidents/types';

const incidentId = z.number().int().positive();

export const settingsSchema = z
  .object({
    /** 'embedded': the app runs its own hub; 'remote': connect to a team hub. */
    hubMode: z.enum(['embedded', 'remote']).default('embedded'),
    remoteUrl: z
      .string()
      .refine((u) => isSafeExternalUrl(u), 'must be an http(s) URL')
      .optional(),
    remoteToken: z.string().min(16).optional(),
    /** Electron accelerator that acknowledges the newest triggered incident. */
    ackShortcut: z.string().min(1).max(100).default('CommandOrControl+Shift+A'),
    notifications: z.boolean().default(true),
    announcementsPaused: z.boolean().default(false),
  })
  .strict();
export type Settings = z.output<typeof settingsSchema>;
export const settingsPatchSchema = settingsSchema.partial();

export const connectionStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('idle') }),
  z.object({ status: z.literal('connecting'), attempt: z.number() }),
  z.object({ status: z.literal('live'), since: z.number() }),
  z.object({ status: z.literal('reconnecting'), attempt: z.number(), retryAt: z.number(), reason: z.string() }),
  z.object({ status: z.literal('auth-failed'), reason: z.string() }),
]);

/** What the renderer is told whenever the hub connection or the incidents change. */
export const hubStateSchema = z.object({
  connection: connectionStateSchema,
  incidents: z.array(incidentSummarySchema),
  seq: z.number(),
  stale: z.boolean(),
});
export type HubState = z.infer<typeof hubStateSchema>;

/** Request/response calls: method name → channel, argument tuple, result. */
export const invokeContract = {
  ack: { channel: 'incidents:ack', args: z.tuple([incidentId]), result: incidentSummarySchema.optional() },
  resolve: { channel: 'incidents:resolve', args: z.tuple([incidentId]), result: incidentSummarySchema.optional() },
  snooze: { channel: 'incidents:snooze', args: z.tuple([incidentId, durationSchema]), result: incidentSummarySchema.optional() },
  incidentDetail: { channel: 'incidents:detail', args: z.tuple([incidentId]), result: incidentDetailSchema },
  getHubState: { channel: 'hub:get-state', args: z.tuple([]), result: hubStateSchema },
  reconnect: { channel: 'hub:reconnect', args: z.tuple([]), result: z.void() },
  openExternal: { channel: 'shell:open-external', args: z.tuple([z.string().max(8_192)]), result: z.boolean() },
  getSettings: { channel: 'settings:get', args: z.tuple([]), result: settingsSchema },
  setSettings: { channel: 'settings:set', args: z.tuple([settingsPatchSchema]), result: settingsSchema },
} as const;
export type InvokeMethod = keyof typeof invokeContract;

/** Push messages from main to the renderer: method name → channel and payload. */
export const pushContract = {
  onHubState: { channel: 'hub:state', payload: hubStateSchema },
  /** Main asks the UI to show an incident (notification click, tray). */
  onShowIncident: { channel: 'ui:show-incident', payload: incidentId },
} as const;
export type PushMethod = keyof typeof pushContract;

type InvokeApi = {
  [M in InvokeMethod]: (...args: z.input<(typeof invokeContract)[M]['args']>) => Promise<z.output<(typeof invokeContract)[M]['result']>>;
};
type PushApi = {
  [M in PushMethod]: (listener: (payload: z.output<(typeof pushContract)[M]['payload']>) => void) => () => void;
};

/** `window.earshot`: exactly these methods, nothing else. */
export type EarshotApi = InvokeApi & PushApi;

export const API_METHODS: readonly string[] = [...Object.keys(invokeContract), ...Object.keys(pushContract)].sort();

/** Links from senders open externally only when they are http(s); everything else is text. */
export function isSafeExternalUrl(url: string): boolean {
  // Exactly "http://" or "https://" first, and no whitespace or control characters
  // anywhere (browsers strip some of those, which is how "java\tscript:" tricks work).
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  return /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(url) && url.length <= 8_192;
}
