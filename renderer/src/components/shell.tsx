import { useEffect, useRef, useState } from 'react';
import type { EarshotStore } from '../store/store';
import { useEarshot, useStoreApi } from '../store/context';
import { ConnectionBadge } from './connection-badge';
import { IncidentDetailPanel } from './incident-detail';
import { Filters, IncidentList } from './incident-list';
import { SettingsPanel } from './settings-panel';
import { AirPodsLine, AirPodsPanel } from './airpods-panel';
import { TelemetryPanel } from './telemetry-panel';
import { TeamBoard } from './team-board';
import { PresencePanel } from './presence-panel';
import { ListeningIndicator, VoicePanel } from './voice-panel';
import type { VoiceController, VoiceState } from '../voice/voice-controller';
import type { AirPodsView } from '../../../shared/airpods/view';
import { SpeechControl } from './speech-control';
import type { PlayerStatus } from '../speech/announcement-player';

/**
 * Keyboard first: j/k (or arrows) move, Enter opens, a acknowledges, r resolves,
 * s snoozes, / searches, Escape closes. Returns true when the key was used.
 */
export function handleKey(key: string, store: EarshotStore, focusSearch: () => void): boolean {
  const s = store.getState();
  switch (key) {
    case 'j':
    case 'ArrowDown':
      s.moveSelection(1);
      return true;
    case 'k':
    case 'ArrowUp':
      s.moveSelection(-1);
      return true;
    case 'Enter':
      s.openDetail();
      return true;
    case 'a':
      void s.ack();
      return true;
    case 'r':
      void s.resolve();
      return true;
    case 's':
      s.openSnooze();
      return true;
    case '/':
      focusSearch();
      return true;
    case 'Escape':
      if (s.snoozeFor !== null) s.closeSnooze();
      else s.closeDetail();
      return true;
    default:
      return false;
  }
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function Shell({
  onSignOut,
  hasSettings = false,
  speech = { state: 'idle' },
  speak,
  onToggleSpeak = () => undefined,
  airpods,
  onPairAirPods = () => undefined,
  onForgetAirPods = () => undefined,
  voice,
}: {
  voice?: { controller: VoiceController; state: VoiceState; onEnable: (on: boolean) => void } | undefined;
  airpods?: AirPodsView | undefined;
  onPairAirPods?: (address: string) => void;
  onForgetAirPods?: () => void;
  onSignOut?: (() => void) | undefined;
  hasSettings?: boolean;
  speech?: PlayerStatus;
  speak?: boolean | undefined;
  onToggleSpeak?: () => void;
}) {
  const store = useStoreApi();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [airpodsOpen, setAirPodsOpen] = useState(false);
  const [telemetryOpen, setTelemetryOpen] = useState(false);
  const [teamOpen, setTeamOpen] = useState(false);
  const [presenceOpen, setPresenceOpen] = useState(false);
  const [voiceOpen, setVoiceOpen] = useState(false);
  const canRead = useEarshot((s) => s.hub.canRead);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const notice = useEarshot((s) => s.notice);
  const dismiss = useEarshot((s) => s.dismissNotice);

  useEffect(() => {
    if (!canRead) return undefined; // presence-only: no incidents, no incident shortcuts
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      // Buttons handle Enter themselves; the list shortcut applies elsewhere.
      if (e.key === 'Enter' && e.target instanceof HTMLButtonElement) return;
      if (handleKey(e.key, store, () => searchRef.current?.focus())) e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [store, canRead]);

  useEffect(() => {
    if (!notice || notice.kind === 'error') return undefined;
    const t = setTimeout(dismiss, 4_000);
    return () => clearTimeout(t);
  }, [notice, dismiss]);

  if (!canRead) {
    // Presence-only (e.g. finance staff who are not on call): no alert stream, no speech —
    // just the presence switch and the team's board.
    return (
      <div className="shell presence-only" data-testid="presence-only">
        <header className="topbar">
          <h1>Earshot</h1>
          <span className="meta">Presence only</span>
          <ConnectionBadge onSignOut={onSignOut} />
          {onSignOut && (
            <button type="button" className="link-button" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </header>
        <PresencePanel />
        <TeamBoard />
      </div>
    );
  }

  return (
    <div className="shell">
      <header className="topbar">
        <h1>Earshot</h1>
        <SpeechControl status={speech} speak={speak} onToggle={onToggleSpeak} />
        {voice && <ListeningIndicator state={voice.state} onCancel={() => voice.controller.cancel()} />}
        <ConnectionBadge onSignOut={onSignOut} />
        {airpods && <AirPodsLine view={airpods} />}
        {airpods && (
          <button type="button" className="link-button" aria-expanded={airpodsOpen} onClick={() => setAirPodsOpen(!airpodsOpen)}>
            AirPods
          </button>
        )}
        <button type="button" className="link-button" aria-expanded={teamOpen} onClick={() => setTeamOpen(!teamOpen)}>
          Team
        </button>
        <button type="button" className="link-button" aria-expanded={presenceOpen} onClick={() => setPresenceOpen(!presenceOpen)}>
          Presence
        </button>
        {voice && (
          <button type="button" className="link-button" aria-expanded={voiceOpen} onClick={() => setVoiceOpen(!voiceOpen)}>
            Voice
          </button>
        )}
        {hasSettings && (
          <button type="button" className="link-button" aria-expanded={telemetryOpen} onClick={() => setTelemetryOpen(!telemetryOpen)}>
            This computer
          </button>
        )}
        {hasSettings && (
          <button type="button" className="link-button" aria-expanded={settingsOpen} onClick={() => setSettingsOpen(!settingsOpen)}>
            Settings
          </button>
        )}
        {onSignOut && (
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      {settingsOpen && <SettingsPanel onClose={() => setSettingsOpen(false)} />}
      {telemetryOpen && <TelemetryPanel onClose={() => setTelemetryOpen(false)} />}
      {teamOpen && <TeamBoard onClose={() => setTeamOpen(false)} />}
      {presenceOpen && <PresencePanel onClose={() => setPresenceOpen(false)} />}
      {voiceOpen && voice && <VoicePanel controller={voice.controller} state={voice.state} onEnable={voice.onEnable} onClose={() => setVoiceOpen(false)} />}
      {airpodsOpen && airpods && <AirPodsPanel view={airpods} onPair={onPairAirPods} onForget={onForgetAirPods} onClose={() => setAirPodsOpen(false)} />}
      <Filters searchRef={searchRef} />
      <main className="content">
        <section className="list-pane" aria-label="Incident list">
          <IncidentList />
        </section>
        <IncidentDetailPanel />
      </main>
      {notice && (
        <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
          <span>{notice.text}</span>
          <button type="button" className="link-button" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </div>
      )}
      <footer className="keys" aria-label="Keyboard shortcuts">
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>a</kbd> acknowledge · <kbd>r</kbd> resolve · <kbd>s</kbd> snooze · <kbd>/</kbd> search ·{' '}
        <kbd>Esc</kbd> close
      </footer>
    </div>
  );
}
