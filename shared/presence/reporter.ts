/**
 * The app's side of opt-in presence, platform-free: it reads local signals on each
 * tick (the Electron shell from powerMonitor and the paired AirPods; the web console
 * from the page), runs them through the PresenceTracker, and — only while the person
 * shares — publishes the derived state to the hub: on every change, and every few
 * minutes so the hub knows the state is current. Turning sharing on records consent
 * at the hub first; off records the withdrawal; "delete my presence data" deletes
 * everything the hub holds. Nothing but state and "since" ever leaves the device.
 */
import { z } from 'zod';
import type { PresencePublication } from '../protocol/stream';
import { PresenceTracker, presenceStateSchema, type PresenceOptions, type PresenceSignals } from './presence';

/** What the hub says about what happens to shared presence (shown on the consent screen). */
export const presencePolicySchema = z.object({
  /** Presence records are deleted after this many days. */
  retentionDays: z.number().int().positive(),
  /** The people (by display name) whose role lets them see the team board. */
  seenBy: z.array(z.string().max(200)).max(1_000),
  /** Whether the hub's admin tokens can see it too (they can: admins see everything). */
  admins: z.boolean(),
});
export type PresencePolicy = z.infer<typeof presencePolicySchema>;

/** idle: the computer's idle time; lock: its lock screen; airpods: my paired AirPods in-ear; page: input in this web page only. */
export const presenceSignalSchema = z.enum(['idle', 'lock', 'airpods', 'page']);

export const presenceViewSchema = z.object({
  sharing: z.boolean(),
  state: presenceStateSchema,
  /** When the state began (ms); null before the first reading. */
  since: z.number().nullable(),
  /** The local signals this platform provides (the consent screen lists them). */
  signals: z.array(presenceSignalSchema),
  /** When the hub last accepted the state (ms), while sharing. */
  publishedAt: z.number().nullable(),
  /** The last thing that went wrong (turning sharing on, publishing, deleting); null when fine. */
  error: z.string().nullable(),
  /** The hub's policy (retention, who sees it); null until fetched or when unreachable. */
  policy: presencePolicySchema.nullable(),
});
export type PresenceView = z.infer<typeof presenceViewSchema>;

/** The hub calls presence needs; the shell implements them over HTTP and the stream. */
export interface PresenceHub {
  policy(): Promise<PresencePolicy>;
  consent(): Promise<void>;
  withdraw(): Promise<void>;
  /** Deletes every presence record of this person and the consent; returns how many records. */
  deleteAll(): Promise<number>;
  publish(p: PresencePublication): Promise<void>;
}

export interface PresenceReporterOptions {
  /** Reads the local signals now. */
  read: () => PresenceSignals;
  /** The hub as currently connected (null: not connected). */
  hub: () => PresenceHub | null;
  /** The local signals this platform provides now. */
  signals: () => z.infer<typeof presenceSignalSchema>[];
  thresholds?: Partial<PresenceOptions>;
  /** Sharing as last saved (the hub holds the consent). */
  sharing: boolean;
  /** Saves the sharing choice (settings). */
  saveSharing?: (on: boolean) => void;
  now?: () => number;
  /** Republish an unchanged state this often, so the hub can tell current from stale. */
  refreshMs?: number;
}

export class PresenceReporter {
  private tracker: PresenceTracker;
  private sharing: boolean;
  private publishedAt: number | null = null;
  private publishedState: string | null = null;
  private error: string | null = null;
  private policy: PresencePolicy | null = null;
  private publishing = false;
  private readonly listeners = new Set<(v: PresenceView) => void>();
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(private readonly o: PresenceReporterOptions) {
    this.tracker = new PresenceTracker(o.thresholds);
    this.sharing = o.sharing;
    this.now = o.now ?? Date.now;
    this.refreshMs = o.refreshMs ?? 5 * 60_000;
  }

  view(): PresenceView {
    const p = this.tracker.value;
    return { sharing: this.sharing, state: p?.state ?? 'unknown', since: p?.since ?? null, signals: this.o.signals(), publishedAt: this.publishedAt, error: this.error, policy: this.policy };
  }

  /** The view, with the hub's policy fetched first if it is not known yet (the consent screen needs it). */
  async current(): Promise<PresenceView> {
    if (!this.policy) await this.loadPolicy();
    return this.view();
  }

  onChange(listener: (v: PresenceView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** New thresholds (settings changed): the state starts over from the next reading. */
  setThresholds(thresholds: Partial<PresenceOptions>): void {
    this.tracker = new PresenceTracker(thresholds);
    this.publishedState = null;
    this.tick();
  }

  /** Reads the signals once; publishes when sharing and the state changed or is due a refresh. */
  tick(): void {
    const { presence, changed } = this.tracker.update(this.o.read(), this.now());
    if (changed) this.emit();
    if (!this.sharing) return;
    const due = this.publishedState !== presence.state || this.publishedAt === null || this.now() - this.publishedAt >= this.refreshMs;
    if (due) void this.publish();
  }

  /** The connection to the hub came back (or changed): publish now, and refresh the policy. */
  connected(): void {
    this.publishedState = null;
    void this.loadPolicy();
    this.tick();
  }

  /** Fetches the hub's policy for the consent screen. */
  async loadPolicy(): Promise<PresencePolicy | null> {
    const hub = this.o.hub();
    if (!hub) return this.policy;
    try {
      this.policy = await hub.policy();
      this.emit();
    } catch (err) {
      this.fail(`could not read the hub's presence policy: ${(err as Error).message}`);
    }
    return this.policy;
  }

  /**
   * Turning sharing on needs the hub to record consent first; nothing is published
   * before it has. Turning it off records the withdrawal; no more is sent either way.
   */
  async setSharing(on: boolean): Promise<PresenceView> {
    if (!on) {
      this.sharing = false; // stop at once, even if the hub cannot be told right now
      this.o.saveSharing?.(false);
    }
    const hub = this.o.hub();
    if (!hub) {
      if (on) this.fail('not connected to the hub: presence sharing stays off');
      else this.fail('sharing is off here; the hub will be told when it is reachable (or delete your data there)');
      return this.view();
    }
    try {
      if (on) {
        await hub.consent();
        this.sharing = true;
        this.o.saveSharing?.(true);
        this.error = null;
        this.publishedState = null;
        this.tick();
      } else {
        await hub.withdraw();
        this.error = null;
      }
    } catch (err) {
      this.fail(`could not ${on ? 'turn presence sharing on' : 'tell the hub you stopped sharing'}: ${(err as Error).message}`);
    }
    this.emit();
    return this.view();
  }

  /** "Delete my presence data": stops sharing and deletes everything the hub holds about this person's presence. */
  async deleteMyData(): Promise<{ deleted: number; view: PresenceView }> {
    this.sharing = false;
    this.o.saveSharing?.(false);
    const hub = this.o.hub();
    if (!hub) {
      this.fail('not connected to the hub: nothing was deleted there yet; try again when connected');
      return { deleted: 0, view: this.view() };
    }
    try {
      const deleted = await hub.deleteAll();
      this.error = null;
      this.publishedAt = null;
      this.publishedState = null;
      this.emit();
      return { deleted, view: this.view() };
    } catch (err) {
      this.fail(`could not delete your presence data: ${(err as Error).message}`);
      throw err;
    }
  }

  private async publish(): Promise<void> {
    const hub = this.o.hub();
    const p = this.tracker.value;
    if (!hub || !p || this.publishing) return;
    this.publishing = true;
    try {
      await hub.publish({ state: p.state, since: new Date(p.since).toISOString() });
      this.publishedAt = this.now();
      this.publishedState = p.state;
      this.error = null;
      this.emit();
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === 'no_consent') {
        // The hub has no consent on record (its data was reset, or deleted elsewhere): stop, and say so.
        this.sharing = false;
        this.o.saveSharing?.(false);
        this.fail('the hub has no consent on record for you, so sharing is off; turn it on again to share');
      } else this.fail(`could not publish presence: ${e.message}`);
    } finally {
      this.publishing = false;
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.emit();
  }

  private emit(): void {
    const v = this.view();
    for (const l of this.listeners) l(v);
  }
}

/** The part of `fetch` the hub calls need (Node, Electron main and browsers all have it). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/**
 * The hub's presence API over HTTP (policy, consent, withdraw, delete); publishing
 * goes over the stream the app already holds (`publish`).
 */
export function httpPresenceHub(baseUrl: string, token: string, fetchLike: FetchLike, publish: (p: PresencePublication) => Promise<void>): PresenceHub {
  const headers = { authorization: `Bearer ${token}` };
  const call = async (method: string, path: string): Promise<unknown> => {
    const res = await fetchLike(`${baseUrl.replace(/\/$/, '')}/api/v1/presence${path}`, { method, headers });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
      throw new Error(typeof message === 'string' ? message : `the hub answered ${res.status}`);
    }
    return body;
  };
  return {
    policy: async () => presencePolicySchema.parse(((await call('GET', '')) as { policy?: unknown }).policy),
    consent: async () => void (await call('POST', '/consent')),
    withdraw: async () => void (await call('POST', '/withdraw')),
    deleteAll: async () => z.object({ deleted: z.number().int() }).parse(await call('POST', '/delete')).deleted,
    publish,
  };
}
