/**
 * The UI's one store, made of typed slices (hub, view, detail, actions). It is
 * fed by `api.onHubState` and calls the api for actions; it never talks to the
 * hub itself, so it is the same in Electron and in the web console.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { IncidentStatus, IncidentDetail, IncidentSummary } from '../../../shared/incidents/types';
import { countByStatus, visibleIncidents } from '../../../shared/incidents/view';
import { EMPTY_HUB_STATE, type EarshotApi, type HubState } from '../../../shared/ipc/contract';

export type StatusFilter = 'open' | 'all' | IncidentStatus;

export interface HubSlice {
  hub: HubState;
  applyHubState(state: HubState): void;
}

export interface ViewSlice {
  statusFilter: StatusFilter;
  text: string;
  selectedId: number | null;
  detailOpen: boolean;
  snoozeFor: number | null;
  setStatusFilter(filter: StatusFilter): void;
  setText(text: string): void;
  select(id: number | null): void;
  moveSelection(delta: 1 | -1): void;
  openDetail(id?: number): void;
  closeDetail(): void;
  openSnooze(id?: number): void;
  closeSnooze(): void;
}

export interface DetailSlice {
  detail: { id: number; data?: IncidentDetail; loading: boolean; error?: string } | null;
  loadDetail(id: number): Promise<void>;
}

export interface ActionsSlice {
  /** Incident ids with an action on its way to the hub. */
  busy: ReadonlySet<number>;
  notice: { kind: 'error' | 'info'; text: string } | null;
  ack(id?: number): Promise<void>;
  resolve(id?: number): Promise<void>;
  snooze(duration: string | number, id?: number): Promise<void>;
  dismissNotice(): void;
}

export type EarshotState = HubSlice & ViewSlice & DetailSlice & ActionsSlice;
export type EarshotStore = StoreApi<EarshotState>;


// ---- selectors: pure, exported, used with atomic subscriptions ----

const STATUS_SETS: Record<StatusFilter, ReadonlySet<IncidentStatus> | undefined> = {
  open: new Set(['triggered', 'acknowledged']),
  all: undefined,
  triggered: new Set(['triggered']),
  acknowledged: new Set(['acknowledged']),
  resolved: new Set(['resolved']),
};

let memo: { incidents: IncidentSummary[]; filter: StatusFilter; text: string; result: IncidentSummary[] } | undefined;

/** The list as shown: filtered and ordered (memoised on its inputs, so subscribers get a stable array). */
export function selectVisible(s: EarshotState): IncidentSummary[] {
  if (memo && memo.incidents === s.hub.incidents && memo.filter === s.statusFilter && memo.text === s.text) return memo.result;
  const result = visibleIncidents(s.hub.incidents, { statuses: STATUS_SETS[s.statusFilter], text: s.text });
  memo = { incidents: s.hub.incidents, filter: s.statusFilter, text: s.text, result };
  return result;
}

let countsMemo: { incidents: IncidentSummary[]; result: Record<IncidentStatus, number> } | undefined;
export function selectCounts(s: EarshotState): Record<IncidentStatus, number> {
  if (countsMemo?.incidents === s.hub.incidents) return countsMemo.result;
  countsMemo = { incidents: s.hub.incidents, result: countByStatus(s.hub.incidents) };
  return countsMemo.result;
}

export function selectSelected(s: EarshotState): IncidentSummary | undefined {
  return s.selectedId === null ? undefined : s.hub.incidents.find((i) => i.id === s.selectedId);
}

/** The live summary of the incident whose detail is shown (its status changes before the detail reloads). */
export function selectDetailSummary(s: EarshotState): IncidentSummary | undefined {
  const id = s.detail?.id;
  return id === undefined ? undefined : s.hub.incidents.find((i) => i.id === id);
}

export function createEarshotStore(api: EarshotApi): EarshotStore {
  const store = createStore<EarshotState>()((set, get) => {
    /** The incident an action applies to: the given one, else the selected one. */
    const target = (id?: number): number | null => id ?? get().selectedId;

    const run = async (id: number | null, [done, verb]: readonly [string, string], call: (id: number) => Promise<unknown>): Promise<void> => {
      if (id === null) return;
      const { canAct, role } = get().hub;
      if (!canAct) {
        set({ notice: { kind: 'error', text: `Could not ${verb} #${id}: your role${role ? ` (${role})` : ''} may only look` } });
        return;
      }
      set((s) => ({ busy: new Set(s.busy).add(id) }));
      try {
        await call(id);
        set({ notice: { kind: 'info', text: `${done} #${id}` } });
      } catch (err) {
        set({ notice: { kind: 'error', text: `Could not ${verb} #${id}: ${(err as Error).message}` } });
      } finally {
        set((s) => {
          const busy = new Set(s.busy);
          busy.delete(id);
          return { busy };
        });
      }
    };

    return {
      // hub
      hub: EMPTY_HUB_STATE,
      applyHubState: (hub) => {
        set({ hub });
        const { selectedId, detail, detailOpen } = get();
        // Keep the selection on something visible, unless its detail is open:
        // an incident that resolves under your eyes stays in front of you.
        const visible = selectVisible(get());
        const keep = selectedId !== null && (visible.some((i) => i.id === selectedId) || (detailOpen && hub.incidents.some((i) => i.id === selectedId)));
        if (!keep) set({ selectedId: visible[0]?.id ?? null });
        // An open detail refreshes when its incident changed.
        if (detail?.data) {
          const summary = hub.incidents.find((i) => i.id === detail.id);
          if (summary && summary.lastSeq !== detail.data.lastSeq) void get().loadDetail(detail.id);
        }
      },

      // view
      statusFilter: 'open',
      text: '',
      selectedId: null,
      detailOpen: false,
      snoozeFor: null,
      setStatusFilter: (statusFilter) => {
        set({ statusFilter });
        const visible = selectVisible(get());
        if (!visible.some((i) => i.id === get().selectedId)) set({ selectedId: visible[0]?.id ?? null });
      },
      setText: (text) => {
        set({ text });
        const visible = selectVisible(get());
        if (!visible.some((i) => i.id === get().selectedId)) set({ selectedId: visible[0]?.id ?? null });
      },
      select: (selectedId) => set({ selectedId }),
      moveSelection: (delta) => {
        const visible = selectVisible(get());
        if (visible.length === 0) return;
        const at = visible.findIndex((i) => i.id === get().selectedId);
        const next = at < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, at + delta));
        set({ selectedId: (visible[next] as IncidentSummary).id });
      },
      openDetail: (id) => {
        const which = target(id);
        if (which === null) return;
        set({ selectedId: which, detailOpen: true });
        void get().loadDetail(which);
      },
      closeDetail: () => set({ detailOpen: false, snoozeFor: null }),
      openSnooze: (id) => {
        const which = target(id);
        if (which === null) return;
        // The snooze choices live in the detail panel: open it if it is not.
        if (!get().detailOpen || get().detail?.id !== which) get().openDetail(which);
        set({ snoozeFor: which });
      },
      closeSnooze: () => set({ snoozeFor: null }),

      // detail
      detail: null,
      loadDetail: async (id) => {
        const current = get().detail;
        set({ detail: { id, loading: true, ...(current?.id === id && current.data ? { data: current.data } : {}) } });
        try {
          const data = await api.incidentDetail(id);
          if (get().detail?.id === id) set({ detail: { id, data, loading: false } });
        } catch (err) {
          if (get().detail?.id === id) set({ detail: { id, loading: false, error: (err as Error).message } });
        }
      },

      // actions
      busy: new Set<number>(),
      notice: null,
      ack: (id) => run(target(id), ['Acknowledged', 'acknowledge'], (i) => api.ack(i)),
      resolve: (id) => run(target(id), ['Resolved', 'resolve'], (i) => api.resolve(i)),
      snooze: async (duration, id) => {
        set({ snoozeFor: null });
        await run(target(id), ['Snoozed', 'snooze'], (i) => api.snooze(i, duration));
      },
      dismissNotice: () => set({ notice: null }),
    };
  });
  return store;
}
