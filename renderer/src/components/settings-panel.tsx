import { useEffect, useState } from 'react';
import { settingsPatchSchema, type Settings } from '../../../shared/ipc/contract';
import { describeIssues } from '../../../shared/zod-issues';
import { useApi } from '../store/context';

/** Desktop settings: which hub to follow, the acknowledge shortcut, notifications. Saved by main, validated twice. */
export function SettingsPanel({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void api.getSettings().then(setSettings);
  }, [api]);
  if (!settings) return <div role="status">Loading settings…</div>;
  const update = <K extends keyof Settings>(key: K, value: Settings[K]) => {
    setSaved(false);
    setSettings((current) => (current ? { ...current, [key]: value } : current));
  };
  return (
    <section className="settings" role="dialog" aria-label="Settings" data-testid="settings">
      <h2>Settings</h2>
      <form
        noValidate // the schema validates, with messages that name the field
        onSubmit={(e) => {
          e.preventDefault();
          // Presence sharing is not a plain setting: it changes only through the consent screen.
          const { sharePresence: _consentedElsewhere, ...editable } = settings;
          const patch = { ...editable, ...(settings.remoteUrl === '' ? { remoteUrl: undefined } : {}), ...(settings.remoteToken === '' ? { remoteToken: undefined } : {}) };
          const checked = settingsPatchSchema.safeParse(patch);
          if (!checked.success) {
            setErrors(describeIssues(checked.error, '(settings)'));
            return;
          }
          if (checked.data.hubMode === 'remote' && (!checked.data.remoteUrl || !checked.data.remoteToken)) {
            setErrors(['A team hub needs its URL and a token.']);
            return;
          }
          setErrors([]);
          api.setSettings(checked.data).then(
            (next) => {
              setSettings(next);
              setSaved(true);
            },
            (err: unknown) => setErrors([(err as Error).message]),
          );
        }}
      >
        <fieldset>
          <legend>Hub</legend>
          <label>
            <input type="radio" name="hubMode" checked={settings.hubMode === 'embedded'} onChange={() => update('hubMode', 'embedded')} /> This computer (embedded hub)
          </label>
          <label>
            <input type="radio" name="hubMode" checked={settings.hubMode === 'remote'} onChange={() => update('hubMode', 'remote')} /> A team hub
          </label>
          <label>
            Team hub URL
            <input type="url" placeholder="https://earshot.example:8725" value={settings.remoteUrl ?? ''} disabled={settings.hubMode !== 'remote'} onChange={(e) => update('remoteUrl', e.target.value)} />
          </label>
          <label>
            Team hub token
            <input type="password" value={settings.remoteToken ?? ''} disabled={settings.hubMode !== 'remote'} onChange={(e) => update('remoteToken', e.target.value)} />
          </label>
        </fieldset>
        <label>
          Acknowledge-newest shortcut
          <input value={settings.ackShortcut} onChange={(e) => update('ackShortcut', e.target.value)} aria-describedby="shortcut-hint" />
          <span id="shortcut-hint" className="hint">
            Electron accelerator, e.g. CommandOrControl+Shift+A
          </span>
        </label>
        <label>
          Voice-command shortcut (listen now, from any app)
          <input value={settings.voiceShortcut} onChange={(e) => update('voiceShortcut', e.target.value)} />
        </label>
        <label>
          Listening window after an announcement (seconds)
          <input type="number" min={2} max={20} value={settings.voiceWindowSeconds} onChange={(e) => update('voiceWindowSeconds', Number(e.target.value))} />
        </label>
        <label>
          <input type="checkbox" checked={settings.notifications} onChange={(e) => update('notifications', e.target.checked)} /> Desktop notifications for new incidents
        </label>
        <label>
          <input type="checkbox" checked={settings.shareAirPods} onChange={(e) => update('shareAirPods', e.target.checked)} /> Share my AirPods status (batteries, in-ear) with the hub
        </label>
        <label>
          <input type="checkbox" checked={settings.shareTelemetry} onChange={(e) => update('shareTelemetry', e.target.checked)} /> Send this computer&apos;s telemetry to the hub (for anomaly detection)
        </label>
        <fieldset>
          <legend>Announcements</legend>
          <label>
            <input type="checkbox" checked={settings.speak} onChange={(e) => update('speak', e.target.checked)} /> Speak incidents aloud
          </label>
          <label>
            Play on
            <select
              value={settings.audioOutput.mode}
              onChange={(e) => {
                const mode = e.target.value;
                update('audioOutput', mode === 'device' ? { mode: 'device', label: settings.audioOutput.mode === 'device' ? settings.audioOutput.label : '' } : { mode: mode as 'default' | 'prefer-airpods' });
              }}
            >
              <option value="prefer-airpods">AirPods when connected, else the system default</option>
              <option value="default">The system default</option>
              <option value="device">A device by name</option>
            </select>
          </label>
          {settings.audioOutput.mode === 'device' && (
            <label>
              Device name (as the system shows it)
              <input value={settings.audioOutput.label} onChange={(e) => update('audioOutput', { mode: 'device', label: e.target.value })} />
            </label>
          )}
          <label>
            Quiet hours (only critical is spoken)
            <span className="inline">
              <input aria-label="Quiet hours start" placeholder="22:00" value={settings.quietHours?.start ?? ''} onChange={(e) => update('quietHours', e.target.value ? { start: e.target.value, end: settings.quietHours?.end ?? '07:00' } : null)} />
              to
              <input aria-label="Quiet hours end" placeholder="07:00" value={settings.quietHours?.end ?? ''} onChange={(e) => update('quietHours', { start: settings.quietHours?.start ?? '22:00', end: e.target.value })} />
            </span>
          </label>
          <label>
            Voice <span className="hint">(engine voice name; empty for the default)</span>
            <input value={settings.speechVoice ?? ''} onChange={(e) => update('speechVoice', e.target.value || undefined)} />
          </label>
        </fieldset>
        {errors.length > 0 && (
          <ul className="error" role="alert">
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
        {saved && <p role="status">Saved.</p>}
        <div className="actions">
          <button type="submit">Save</button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </section>
  );
}
