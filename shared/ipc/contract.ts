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
import { airpodsViewSchema } from '../airpods/view';
import { stepFinishedMessageSchema, stepOutputMessageSchema } from '../protocol/stream';
export type { StepMessage } from '../protocol/stream';
import { runbookViewSchema } from '../runbooks/view';
import { boardSchema } from '../board';
import type { HubClientSnapshot } from '../hub-client/hub-client';
import { presenceOptionsSchema } from '../presence/presence';
import { presenceViewSchema } from '../presence/reporter';
import { localHistorySchema, localSampleSchema } from '../telemetry/local';
import { incidentDetailSchema, incidentSummarySchema, severitySchema } from '../incidents/types';

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
    /** Announce incidents aloud at all (off: silence, even for critical). */
    speak: z.boolean().default(true),
    /** Paused: only what must always be spoken (default: critical) is said. */
    announcementsPaused: z.boolean().default(false),
    /** Where announcements play: the system default, a device by its label, or AirPods when connected. */
    audioOutput: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('default') }),
        z.object({ mode: z.literal('device'), label: z.string().min(1).max(200) }),
        z.object({ mode: z.literal('prefer-airpods') }),
      ])
      .default({ mode: 'prefer-airpods' }),
    /** Local "HH:MM" times; only what must always be spoken is said in between. */
    quietHours: z
      .object({ start: z.string().regex(/^\d{1,2}:\d{2}$/), end: z.string().regex(/^\d{1,2}:\d{2}$/) })
      .nullable()
      .default(null),
    alwaysSpeak: z.array(severitySchema).default(['critical']),
    repeatInterval: durationSchema.default(120_000),
    speechBackend: z.enum(['espeak-ng', 'festival', 'say', 'sapi']).optional(),
    speechVoice: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_+.-]{0,59}(?:\/[A-Za-z0-9_+.-]{1,40})?$/).optional(),
    speechRate: z.number().int().min(80).max(450).optional(),
    /** "My AirPods", chosen in the pairing step: followed by model and colour. */
    airpods: z.object({ modelId: z.number().int(), color: z.number().int(), model: z.string().max(100) }).nullable().default(null),
    /** Share the AirPods status (batteries, in-ear) with the hub as audio_metrics. Off unless you turn it on. */
    shareAirPods: z.boolean().default(false),
    /** Send this machine's telemetry to the hub as device_telemetry (for its anomaly detection). Off unless you turn it on. */
    shareTelemetry: z.boolean().default(false),
    /**
     * Share presence (present / away / unknown, and since when) with the hub. Off unless you
     * turn it on through the consent screen — which is why the renderer cannot set it as a
     * plain setting (see `setPresenceSharing`): the hub records consent first.
     */
    sharePresence: z.boolean().default(false),
    /**
     * Voice commands ("acknowledge", "snooze", "resolve", "repeat", "cancel") right after an
     * incident is spoken, or while push-to-talk is held. Off unless you turn it on; the
     * microphone is open only during those few seconds.
     */
    voiceCommands: z.boolean().default(false),
    voiceWindowSeconds: z.number().int().min(2).max(20).default(6),
    /** Electron accelerator that starts a listening window from anywhere (desktop app). */
    voiceShortcut: z.string().min(1).max(100).default('CommandOrControl+Shift+V'),
    /** How presence is derived: idle and lock thresholds, and whether my AirPods in-ear count. */
    presence: presenceOptionsSchema.prefault({}),
  })
  .strict();
export type Settings = z.output<typeof settingsSchema>;
/** What the renderer may change directly (not presence sharing: that goes through consent). */
export const settingsPatchSchema = settingsSchema.omit({ sharePresence: true }).partial();
/** What main itself may change. */
export const internalSettingsPatchSchema = settingsSchema.partial();

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
  /** The token's role at the hub (null: unknown), and whether it may act on incidents. */
  role: z.string().nullable(),
  canAct: z.boolean(),
  /** False for presence-only people: the app shows their presence switch and the team board, no incidents. */
  canRead: z.boolean(),
});
export type HubState = z.infer<typeof hubStateSchema>;

/** Before any hub is followed. */
export const EMPTY_HUB_STATE: HubState = { connection: { status: 'idle' }, incidents: [], seq: -1, stale: true, role: null, canAct: true, canRead: true };

/** What the renderer is told, from the shared client's snapshot (desktop main and web console alike). */
export function toHubState(s: HubClientSnapshot): HubState {
  return { connection: s.connection, incidents: [...s.incidents.values()], seq: s.seq, stale: s.stale, role: s.role, canAct: s.canAct, canRead: s.canRead };
}

/** One announcement to play: the utterance and its audio (WAV bytes). */
export const announcementSchema = z.object({
  utteranceId: z.number().int(),
  incidentId: z.number().int().positive().optional(),
  /** What it is: a new incident, a repeat, a confirmation… (voice commands listen after the ones that ask for action). */
  kind: z.enum(['new', 'repeat', 'retriggered', 'storm', 'resolved', 'acknowledged', 'confirmation']).optional(),
  text: z.string(),
  severity: severitySchema,
  audio: z.instanceof(Uint8Array),
});
export type Announcement = z.infer<typeof announcementSchema>;

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
  /** The renderer finished (or could not) play an announcement. */
  announcementEnded: {
    channel: 'speech:ended',
    args: z.tuple([z.number().int(), z.enum(['ended', 'stopped', 'failed']), z.string().max(500).optional()]),
    result: z.void(),
  },
  /**
   * A recognised voice command about an incident: act, then confirm aloud ("Acknowledged.
   * Incident 42."); "repeat" says it again; "say-again" asks the user to repeat themselves.
   */
  voiceCommand: {
    channel: 'speech:voice-command',
    args: z.tuple([z.enum(['acknowledge', 'snooze', 'resolve', 'repeat', 'cancel', 'say-again']), incidentId.nullable()]),
    result: incidentSummarySchema.optional(),
  },
  /** A media key (AirPods press) while announcing: acknowledge or snooze what was just said, then confirm aloud. */
  mediaKey: { channel: 'speech:media-key', args: z.tuple([z.enum(['acknowledge', 'snooze']), incidentId]), result: incidentSummarySchema.optional() },
  incidentRunbooks: { channel: 'runbooks:for-incident', args: z.tuple([incidentId]), result: z.array(runbookViewSchema) },
  /** The team board from the hub (on call now/next, presence, open incidents by owner). */
  getBoard: { channel: 'team:board', args: z.tuple([]), result: boardSchema },
  /** Runs a step (after the person confirmed it, where the step asks for that). */
  runStep: { channel: 'runbooks:run-step', args: z.tuple([incidentId, z.string().min(1).max(100), z.string().min(1).max(64)]), result: z.object({ runId: z.string() }) },
  /** The last hour of this machine's telemetry. */
  getTelemetry: { channel: 'telemetry:history', args: z.tuple([]), result: localHistorySchema },
  getAirPods: { channel: 'airpods:get', args: z.tuple([]), result: airpodsViewSchema },
  /** "These are mine": the nearby device at this (current, random) address. */
  pairAirPods: { channel: 'airpods:pair', args: z.tuple([z.string().min(1).max(64)]), result: airpodsViewSchema },
  forgetAirPods: { channel: 'airpods:forget', args: z.tuple([]), result: airpodsViewSchema },
  /** My presence: whether I share it, the derived state, the hub's policy (for the consent screen). */
  getPresence: { channel: 'presence:get', args: z.tuple([]), result: presenceViewSchema },
  /** On: after the person agreed on the consent screen (the hub records consent first). Off: stop sharing now. */
  setPresenceSharing: { channel: 'presence:set-sharing', args: z.tuple([z.boolean()]), result: presenceViewSchema },
  /** "Delete my presence data": stops sharing and deletes everything the hub holds of it. */
  deletePresenceData: { channel: 'presence:delete', args: z.tuple([]), result: z.object({ deleted: z.number().int().nonnegative(), view: presenceViewSchema }) },
} as const;
export type InvokeMethod = keyof typeof invokeContract;

/** Push messages from main to the renderer: method name → channel and payload. */
export const pushContract = {
  onHubState: { channel: 'hub:state', payload: hubStateSchema },
  /** Main asks the UI to show an incident (notification click, tray). */
  onShowIncident: { channel: 'ui:show-incident', payload: incidentId },
  /** Play this announcement now (on the chosen output device). */
  onAnnounce: { channel: 'speech:announce', payload: announcementSchema },
  /** Stop playing it (acknowledged meanwhile, or interrupted by something critical). */
  onStopAnnouncement: { channel: 'speech:stop', payload: z.number().int() },
  onAirPods: { channel: 'airpods:status', payload: airpodsViewSchema },
  onPresence: { channel: 'presence:status', payload: presenceViewSchema },
  /** The voice shortcut was pressed (anywhere): listen now, about the last announced incident. */
  onListenNow: { channel: 'voice:listen', payload: z.null() },
  /** One sample a second of this machine's telemetry. */
  onTelemetry: { channel: 'telemetry:sample', payload: localSampleSchema },
  /** Live output and the end of runbook steps (for every incident; the UI filters). */
  onStepOutput: { channel: 'runbooks:step', payload: z.union([stepOutputMessageSchema, stepFinishedMessageSchema]) },
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
