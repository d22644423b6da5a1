/** An EarshotApi for renderer tests: records calls, and lets the test push hub state. */
import { vi } from 'vitest';
import type { IncidentDetail, IncidentSummary } from '../../shared/incidents/types';
import type { AirPodsView } from '../../shared/airpods/view';
import type { Announcement, EarshotApi, HubState, StepMessage } from '../../shared/ipc/contract';
import type { RunbookView } from '../../shared/runbooks/view';
import type { LocalHistory, LocalSample } from '../../shared/telemetry/local';
import type { Board } from '../../shared/board';
import { settingsSchema } from '../../shared/ipc/contract';
import type { PresenceView } from '../../shared/presence/reporter';

export function summary(id: number, over: Partial<IncidentSummary> = {}): IncidentSummary {
  return {
    id,
    key: `k${id}`,
    source: 'alertmanager',
    status: 'triggered',
    severity: 'warning',
    title: `Incident ${id}`,
    createdAt: new Date(Date.UTC(2026, 10, 21, 10, id)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 10, 21, 10, id)).toISOString(),
    alertCounts: { firing: 1, resolved: 0 },
    groupLabels: {},
    commonLabels: { alertname: `A${id}` },
    truncatedAlerts: 0,
    links: [],
    lastSeq: id,
    ...over,
  };
}

export class FakeApi {
  private stateListeners = new Set<(s: HubState) => void>();
  private showListeners = new Set<(id: number) => void>();
  private announceListeners = new Set<(a: Announcement) => void>();
  private stopListeners = new Set<(id: number) => void>();
  private airpodsListeners = new Set<(v: AirPodsView) => void>();
  airpods: AirPodsView = { bluetooth: 'scanning', state: 'unpaired', nearby: [] };
  runbooks: RunbookView[] = [];
  telemetry: LocalHistory = { ts: [], metrics: {} };
  board: Board = { teams: [], people: [], openByOwner: [] };
  presence: PresenceView = { sharing: false, state: 'unknown', since: null, signals: ['idle', 'lock'], publishedAt: null, error: null, policy: { retentionDays: 7, seenBy: ['Ana', 'Bo'], admins: true } };
  private presenceListeners = new Set<(v: PresenceView) => void>();
  private telemetryListeners = new Set<(s: LocalSample) => void>();
  private stepListeners = new Set<(m: StepMessage) => void>();
  state: HubState = { connection: { status: 'live', since: 0 }, incidents: [], seq: 0, stale: false, role: 'responder', canAct: true, canRead: true };
  details = new Map<number, IncidentDetail>();

  readonly api: EarshotApi = {
    ack: vi.fn(async (id: number) => this.state.incidents.find((i) => i.id === id)),
    resolve: vi.fn(async (id: number) => this.state.incidents.find((i) => i.id === id)),
    snooze: vi.fn(async (id: number) => this.state.incidents.find((i) => i.id === id)),
    incidentDetail: vi.fn(async (id: number) => {
      const d = this.details.get(id);
      if (d) return d;
      const s = this.state.incidents.find((i) => i.id === id);
      if (!s) throw new Error(`no incident ${id}`);
      return { ...s, alerts: [], timeline: [] };
    }),
    getHubState: vi.fn(async () => this.state),
    reconnect: vi.fn(async () => undefined),
    openExternal: vi.fn(async () => true),
    getSettings: vi.fn(async () => settingsSchema.parse({})),
    setSettings: vi.fn(async () => settingsSchema.parse({})),
    announcementEnded: vi.fn(async () => undefined),
    incidentRunbooks: vi.fn(async (_id: number) => this.runbooks),
    runStep: vi.fn(async (_id: number, _rb: string, _step: string) => ({ runId: 'run-1' })),
    getBoard: vi.fn(async () => this.board),
    onStepOutput: (l) => {
      this.stepListeners.add(l);
      return () => this.stepListeners.delete(l);
    },
    getTelemetry: vi.fn(async () => this.telemetry),
    onTelemetry: (l) => {
      this.telemetryListeners.add(l);
      return () => this.telemetryListeners.delete(l);
    },
    getAirPods: vi.fn(async () => this.airpods),
    pairAirPods: vi.fn(async (_address: string) => this.airpods),
    forgetAirPods: vi.fn(async () => this.airpods),
    getPresence: vi.fn(async () => this.presence),
    setPresenceSharing: vi.fn(async (on: boolean) => (this.presence = { ...this.presence, sharing: on })),
    deletePresenceData: vi.fn(async () => ({ deleted: 3, view: (this.presence = { ...this.presence, sharing: false }) })),
    onListenNow: () => () => undefined,
    onPresence: (l) => {
      this.presenceListeners.add(l);
      return () => this.presenceListeners.delete(l);
    },
    voiceCommand: vi.fn(async (_action: string, id: number | null) => this.state.incidents.find((i) => i.id === id)),
    mediaKey: vi.fn(async (_action: 'acknowledge' | 'snooze', id: number) => this.state.incidents.find((i) => i.id === id)),
    onHubState: (l) => {
      this.stateListeners.add(l);
      l(this.state);
      return () => this.stateListeners.delete(l);
    },
    onShowIncident: (l) => {
      this.showListeners.add(l);
      return () => this.showListeners.delete(l);
    },
    onAnnounce: (l) => {
      this.announceListeners.add(l);
      return () => this.announceListeners.delete(l);
    },
    onAirPods: (l) => {
      this.airpodsListeners.add(l);
      return () => this.airpodsListeners.delete(l);
    },
    onStopAnnouncement: (l) => {
      this.stopListeners.add(l);
      return () => this.stopListeners.delete(l);
    },
  };

  announce(a: Announcement): void {
    for (const l of this.announceListeners) l(a);
  }

  sample(s: LocalSample): void {
    for (const l of this.telemetryListeners) l(s);
  }

  step(m: StepMessage): void {
    for (const l of this.stepListeners) l(m);
  }

  pushAirPods(view: AirPodsView): void {
    this.airpods = view;
    for (const l of this.airpodsListeners) l(view);
  }

  pushPresence(view: Partial<PresenceView>): void {
    this.presence = { ...this.presence, ...view };
    for (const l of this.presenceListeners) l(this.presence);
  }

  stopAnnouncement(id: number): void {
    for (const l of this.stopListeners) l(id);
  }

  push(state: Partial<HubState>): void {
    this.state = { ...this.state, ...state };
    for (const l of this.stateListeners) l(this.state);
  }

  show(id: number): void {
    for (const l of this.showListeners) l(id);
  }
}
