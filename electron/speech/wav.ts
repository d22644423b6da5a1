/** Reads a WAV header: enough to say how long an utterance is. */
import { readFileSync } from 'node:fs';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  seconds: number;
}

export function wavInfo(bytes: Uint8Array): WavInfo {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number; byteRate: number } | undefined;
  while (offset + 8 <= b.length) {
    const id = b.toString('ascii', offset, offset + 4);
    let size = b.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      fmt = { channels: b.readUInt16LE(offset + 10), sampleRate: b.readUInt32LE(offset + 12), byteRate: b.readUInt32LE(offset + 16), bitsPerSample: b.readUInt16LE(offset + 22) };
    } else if (id === 'data' && fmt) {
      // Streaming writers (espeak-ng to a pipe) leave 0 or 0xffffffff: use what is there.
      if (size === 0 || size === 0xffffffff || offset + 8 + size > b.length) size = b.length - offset - 8;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: fmt.bitsPerSample, seconds: size / fmt.byteRate };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV file has no fmt/data chunks');
}

export function wavFileInfo(path: string): WavInfo {
  return wavInfo(readFileSync(path));
}
