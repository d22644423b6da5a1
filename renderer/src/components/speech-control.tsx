import type { PlayerStatus } from '../speech/announcement-player';

/** The speech toggle and what is being said, on which output. */
export function SpeechControl({ status, speak, onToggle }: { status: PlayerStatus; speak: boolean | undefined; onToggle: () => void }) {
  return (
    <div className="speech" data-testid="announcement" data-state={status.state} data-utterance={status.utteranceId ?? ''}>
      {status.state === 'playing' && (
        <span role="status" className="speaking">
          Speaking{status.output ? ` on ${status.output.label}` : ''}: “{status.text}”
        </span>
      )}
      {status.fallback && (
        <span role="note" className="fallback">
          {status.fallback}
        </span>
      )}
      {status.error && (
        <span role="alert" className="error">
          Could not play: {status.error}
        </span>
      )}
      {speak !== undefined && (
        <button type="button" className="link-button" aria-pressed={speak} onClick={onToggle} data-testid="speak-toggle">
          {speak ? 'Speak: on' : 'Speak: off'}
        </button>
      )}
    </div>
  );
}
