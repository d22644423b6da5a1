import { useEffect, useMemo, useRef, useState } from 'react';
import type { OutputSetting } from '../../shared/announce/output-device';
import { NO_AIRPODS, type AirPodsView } from '../../shared/airpods/view';
import type { EarshotApi, Settings } from '../../shared/ipc/contract';
import { AnnouncementPlayer, type PlayerStatus } from './speech/announcement-player';
import { Login } from './components/login';
import { Shell } from './components/shell';
import { createWebApi, TOKEN_KEY } from './api/web-api';
import { StoreProvider } from './store/context';
import { VoiceController, type VoiceState } from './voice/voice-controller';
import { openMicrophone, playCue } from './voice/microphone';
import { loadEnrolment, saveEnrolment } from './voice/enrolment-store';
import { loadBundledKeywordModel } from './voice/keyword-model-loader';
import { createEarshotStore } from './store/store';

declare global {
  interface Window {
    /** Present in the desktop app (from preload); absent in the web console. */
    earshot?: EarshotApi;
  }
}

/** Binds a store to an API and keeps it fed with hub state. */
/** Plays what the api announces, on the output the settings choose. */
function useAnnouncements(api: EarshotApi, output: OutputSetting): PlayerStatus {
  const [status, setStatus] = useState<PlayerStatus>({ state: 'idle' });
  const outputRef = useRef(output);
  outputRef.current = output;
  useEffect(() => {
    const player = new AnnouncementPlayer({
      api,
      output: () => outputRef.current,
      onStatus: setStatus,
      mediaDevices: navigator.mediaDevices,
      mediaSession: 'mediaSession' in navigator ? navigator.mediaSession : undefined,
    });
    const offAnnounce = api.onAnnounce((a) => void player.play(a));
    const offStop = api.onStopAnnouncement((id) => player.stop(id));
    return () => {
      offAnnounce();
      offStop();
      player.dispose();
    };
  }, [api]);
  return status;
}

export function Connected({ api, onSignOut, desktop = false }: { api: EarshotApi; onSignOut?: (() => void) | undefined; desktop?: boolean }) {
  const store = useMemo(() => createEarshotStore(api), [api]);
  const [settings, setSettings] = useState<Settings>();
  useEffect(() => {
    void api.getSettings().then(setSettings);
  }, [api]);
  const speech = useAnnouncements(api, settings?.audioOutput ?? { mode: 'prefer-airpods' });
  const [airpods, setAirPods] = useState<AirPodsView>(NO_AIRPODS);
  useEffect(() => {
    void api.getAirPods().then(setAirPods);
    return api.onAirPods(setAirPods);
  }, [api]);
  const toggleSpeak = () => {
    if (settings) void api.setSettings({ speak: !settings.speak }).then(setSettings);
  };
  // Voice commands: a window after each announcement about an incident, and push-to-talk (hold V).
  const voice = useMemo(
    () =>
      new VoiceController({
        api,
        openMic: openMicrophone,
        cue: playCue,
        load: () => loadEnrolment(),
        save: (e) => saveEnrolment(e),
        loadModel: loadBundledKeywordModel,
        windowMs: (settings?.voiceWindowSeconds ?? 6) * 1000,
      }),
    [api, settings?.voiceWindowSeconds],
  );
  const [voiceState, setVoiceState] = useState<VoiceState>(voice.value);
  useEffect(() => {
    setVoiceState(voice.value);
    const off = voice.subscribe(setVoiceState);
    return () => {
      off();
      voice.dispose();
    };
  }, [voice]);
  useEffect(() => voice.setEnabled(settings?.voiceCommands ?? false), [voice, settings?.voiceCommands]);
  const lastAnnounced = useRef<number | null>(null);
  useEffect(() => {
    if (speech.incidentId !== undefined) lastAnnounced.current = speech.incidentId;
    voice.onPlayerStatus(speech);
  }, [voice, speech]);
  useEffect(() => {
    const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
    const down = (e: KeyboardEvent) => {
      if (e.key !== 'v' || e.repeat || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      voice.pushToTalk(true, lastAnnounced.current ?? store.getState().selectedId);
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === 'v') voice.pushToTalk(false, null);
    };
    document.addEventListener('keydown', down);
    document.addEventListener('keyup', up);
    // The desktop app's global voice shortcut: one window, about the last announced incident.
    const offListen = api.onListenNow(() => voice.pushToTalk(true, lastAnnounced.current ?? store.getState().selectedId));
    return () => {
      offListen();
      document.removeEventListener('keydown', down);
      document.removeEventListener('keyup', up);
    };
  }, [voice, store, api]);
  const enableVoice = (on: boolean) => void api.setSettings({ voiceCommands: on }).then(setSettings);

  useEffect(() => {
    const offState = api.onHubState((state) => store.getState().applyHubState(state));
    const offShow = api.onShowIncident((id) => store.getState().openDetail(id));
    return () => {
      offState();
      offShow();
    };
  }, [api, store]);
  return (
    <StoreProvider store={store} api={api}>
      <Shell
        onSignOut={onSignOut}
        hasSettings={desktop}
        speech={speech}
        speak={settings?.speak}
        onToggleSpeak={toggleSpeak}
        airpods={desktop ? airpods : undefined}
        onPairAirPods={(address) => void api.pairAirPods(address).then(setAirPods)}
        onForgetAirPods={() => void api.forgetAirPods().then(setAirPods)}
        voice={{ controller: voice, state: voiceState, onEnable: enableVoice }}
      />
    </StoreProvider>
  );
}

export function App() {
  if (window.earshot) return <Connected api={window.earshot} desktop />;
  return <WebConsole />;
}

/** In a browser: sign in with the hub token, then the same UI over the hub's WebSocket. */
function WebConsole() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [error, setError] = useState<string>();
  const api = useMemo(() => (token ? createWebApi(window.location.origin, token) : null), [token]);
  useEffect(() => {
    if (!api) return undefined;
    const off = api.onHubState((s) => {
      if (s.connection.status === 'auth-failed') {
        api.client.stop();
        sessionStorage.removeItem(TOKEN_KEY);
        setError('The hub did not accept that token.');
        setToken(null);
      }
    });
    return () => {
      off();
      api.dispose();
    };
  }, [api]);
  if (!api) {
    return (
      <Login
        error={error}
        onSubmit={(t, name) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          sessionStorage.setItem('earshot.actor', name);
          setError(undefined);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Connected
      api={api}
      onSignOut={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken(null);
      }}
    />
  );
}
