import { useState } from 'react';
import { COMMANDS, TAKES_PER_COMMAND, type Sensitivity, type TakeProblem, type VoiceCommand } from '../../../shared/voice/recognizer';
import type { VoiceController, VoiceState } from '../voice/voice-controller';

const SENSITIVITY_CHOICES: { value: Sensitivity; label: string; hint: string }[] = [
  { value: 'strict', label: 'Surer', hint: 'Fewer false alarms; asks “Say again?” or stays silent more often.' },
  { value: 'normal', label: 'Balanced', hint: 'About 1 in 100 other words taken for a command at most — more often a word that sounds alike, such as “result” for “resolve”.' },
  { value: 'lenient', label: 'Readier', hint: 'Hears more in noise, or in a voice the word model does not know — and more often takes a similar-sounding word, or now and then a noise, for a command.' },
];

/** What is wrong with a take, in words (the panel's list of takes to record again). */
function takeProblemText(p: TakeProblem): string {
  switch (p.problem) {
    case 'like-other':
      return `sounds more like your “${p.other}”`;
    case 'unlike-others':
      return 'does not sound like your other takes';
    case 'noisy':
      return `the room was loud — your voice only ${Math.round(p.snrDb)} dB above it`;
  }
}

/**
 * Voice commands: off by default. Turning them on explains when the microphone is
 * used (a few seconds after an incident is spoken, or while V is held) and that
 * nothing leaves the device; then each command is recorded three times.
 */
export function VoicePanel({ controller, state, onEnable, onClose }: { controller: VoiceController; state: VoiceState; onEnable: (on: boolean) => void; onClose: () => void }) {
  const [busy, setBusy] = useState<VoiceCommand | null>(null);
  const complete = state.enrolled.length === COMMANDS.length;
  const record = async (c: VoiceCommand) => {
    setBusy(c);
    try {
      await controller.recordTake(c);
    } catch {
      // shown through state.error
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="voice-panel" role="dialog" aria-label="Voice commands" data-testid="voice-panel">
      <h2>Voice commands</h2>
      <p>
        Say <strong>acknowledge</strong>, <strong>snooze</strong>, <strong>resolve</strong>, <strong>repeat</strong> or <strong>cancel</strong> right after Earshot speaks
        an incident — or while you hold <kbd>V</kbd>.
      </p>
      <p className="meta">
        The microphone is open only for those few seconds (you hear a rising tone, and “Listening” shows), never otherwise. Recognition runs on this device; no audio
        is sent anywhere. Your recorded takes are kept on this device only, and “Delete my recordings” removes them.
      </p>
      <p className="meta" data-testid="voice-model" data-model={state.model}>
        {state.model === 'ready'
          ? 'A small word model that ships with Earshot gives a second opinion, which helps in noise.'
          : state.model === 'loading'
            ? 'Loading the word model that ships with Earshot…'
            : 'Your takes decide alone (the word model that ships with Earshot is not loaded).'}
      </p>
      {state.model === 'ready' && state.takesAlone.length > 0 && (
        <p className="meta" data-testid="voice-takes-alone">
          The word model does not recognise your takes of {state.takesAlone.map((c) => `“${c}”`).join(', ')}, so your takes alone decide {state.takesAlone.length === 1 ? 'it' : 'them'}:
          fine in a quiet room, less sure in noise. If a take was noisy or cut short, “Record again” may help.
        </p>
      )}
      {state.error && <p role="alert">{state.error}</p>}
      <h3>1. Your voice, three times per word</h3>
      <table className="takes">
        <tbody>
          {COMMANDS.map((c) => (
            <tr key={c} data-testid={`takes-${c}`}>
              <td>
                <strong>{c}</strong>
              </td>
              <td>
                {state.takes[c]} of {TAKES_PER_COMMAND}
              </td>
              <td>
                {state.takes[c] < TAKES_PER_COMMAND ? (
                  <button type="button" disabled={busy !== null} onClick={() => void record(c)}>
                    {busy === c ? 'Listening… say it now' : `Record “${c}”`}
                  </button>
                ) : (
                  <button type="button" className="link-button" disabled={busy !== null} onClick={() => controller.forget(c)}>
                    Record again
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {state.takeProblems.length > 0 && (
        <ul className="meta" data-testid="voice-take-problems">
          {state.takeProblems.map((p) => (
            <li key={p.command} role="status">
              “{p.command}”, take {p.take + 1}: {takeProblemText(p)} — “Record again” to replace this word's takes{p.problem === 'noisy' ? ', somewhere quieter' : ''}.
            </li>
          ))}
        </ul>
      )}
      <fieldset className="sensitivity" data-testid="voice-sensitivity">
        <legend>How sure before acting</legend>
        {SENSITIVITY_CHOICES.map(({ value, label, hint }) => (
          <label key={value} title={hint}>
            <input type="radio" name="voice-sensitivity" value={value} checked={state.sensitivity === value} onChange={() => controller.setSensitivity(value)} /> {label}
          </label>
        ))}
        <p className="meta">{SENSITIVITY_CHOICES.find((c) => c.value === state.sensitivity)?.hint}</p>
      </fieldset>
      <h3>2. Turn it on</h3>
      <label>
        <input type="checkbox" checked={state.enabled} disabled={!complete && !state.enabled} onChange={(e) => onEnable(e.target.checked)} /> Listen for commands after
        announcements
      </label>
      {!complete && <p className="meta">Record every word first.</p>}
      {state.heard && (
        <p data-testid="voice-heard" title={state.heardDetail ?? undefined} data-detail={state.heardDetail ?? ''}>
          Last heard: {state.heard}
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={busy !== null || state.enrolled.length === 0} onClick={() => controller.tryIt()}>
          Try it
        </button>
        <button type="button" className="danger" disabled={busy !== null} onClick={() => (controller.forget(), onEnable(false))}>
          Delete my recordings
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

/** Shown while listening: what to say, for which incident, and a way to stop. */
export function ListeningIndicator({ state, onCancel }: { state: VoiceState; onCancel: () => void }) {
  if (!state.listening) return null;
  const about = state.listening.incidentId === null ? '' : ` for #${state.listening.incidentId}`;
  return (
    <div className="listening" role="status" data-testid="listening">
      <span className="dot" aria-hidden="true" /> Listening{about}: acknowledge, snooze, resolve, repeat or cancel
      <button type="button" className="link-button" onClick={onCancel}>
        Stop
      </button>
    </div>
  );
}
