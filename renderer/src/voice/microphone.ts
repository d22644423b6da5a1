/**
 * The microphone, opened only for a listening window (or an enrolment take) and
 * closed right after: 16 kHz mono chunks to a callback. Chromium resamples when the
 * AudioContext asks for 16 kHz; elsewhere a simple low-pass-and-pick resampler does.
 * (ScriptProcessorNode is deprecated but everywhere, and needs no separate worklet
 * file; the chunks are small and the work per chunk is a copy.)
 */
import { SAMPLE_RATE } from '../../../shared/voice/features';

export interface MicrophoneHandle {
  close(): void;
}
export type OpenMicrophone = (onChunk: (chunk: Float32Array) => void) => Promise<MicrophoneHandle>;

export class MicrophoneError extends Error {
  constructor(
    readonly kind: 'denied' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

function resampler(from: number): (x: Float32Array) => Float32Array {
  if (from === SAMPLE_RATE) return (x) => Float32Array.from(x);
  const step = from / SAMPLE_RATE;
  const taps = Math.max(1, Math.round(step));
  let phase = 0;
  let history = new Float32Array(0);
  return (x) => {
    const joined = new Float32Array(history.length + x.length);
    joined.set(history);
    joined.set(x, history.length);
    const out: number[] = [];
    for (; phase + taps <= joined.length; phase += step) {
      const at = Math.floor(phase);
      let s = 0;
      for (let k = 0; k < taps; k++) s += joined[at + k] as number;
      out.push(s / taps);
    }
    const keep = Math.floor(phase);
    history = joined.slice(keep);
    phase -= keep;
    return Float32Array.from(out);
  };
}

export const openMicrophone: OpenMicrophone = async (onChunk) => {
  if (!navigator.mediaDevices?.getUserMedia) throw new MicrophoneError('unavailable', 'this browser gives no access to a microphone');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: true } });
  } catch (err) {
    const name = (err as DOMException).name;
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new MicrophoneError('denied', 'microphone access was refused');
    throw new MicrophoneError('unavailable', `no microphone (${(err as Error).message})`);
  }
  let ctx: AudioContext;
  try {
    ctx = new AudioContext({ sampleRate: SAMPLE_RATE });
  } catch {
    ctx = new AudioContext();
  }
  const source = ctx.createMediaStreamSource(stream);
  const node = ctx.createScriptProcessor(1024, 1, 1);
  const resample = resampler(ctx.sampleRate);
  node.onaudioprocess = (e) => onChunk(resample(e.inputBuffer.getChannelData(0)));
  source.connect(node);
  node.connect(ctx.destination); // a ScriptProcessor only runs when connected; it outputs silence
  return {
    close: () => {
      node.onaudioprocess = null;
      source.disconnect();
      node.disconnect();
      for (const t of stream.getTracks()) t.stop();
      void ctx.close();
    },
  };
};

/** Two short rising tones: "I am listening". Falling: "stopped". */
export function playCue(kind: 'start' | 'stop'): void {
  try {
    const ctx = new AudioContext();
    const tones = kind === 'start' ? [660, 880] : [880, 660];
    tones.forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      const at = ctx.currentTime + i * 0.09;
      osc.start(at);
      osc.stop(at + 0.07);
    });
    setTimeout(() => void ctx.close(), 400);
  } catch {
    // No audio output: the visible cue is still there.
  }
}
