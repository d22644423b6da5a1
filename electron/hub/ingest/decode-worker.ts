/**
 * A decode worker thread: decodes webhook bodies (see decode.ts) for the hub's
 * thread. Started by decoder.ts; also a build entry of its own (out/main/ingest-decoder.js).
 */
import { parentPort } from 'node:worker_threads';
import type { IngestContext } from './common';
import { decodeIngest, type DecodableSender } from './decode';

interface DecodeRequest {
  id: number;
  sender: DecodableSender;
  body: Uint8Array;
  ctx: IngestContext;
}

const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread');
port.on('message', (req: DecodeRequest) => {
  try {
    // As a JSON string: the hub thread's JSON.parse of it costs less than structured
    // clone's deserialisation of the same object graph (a few per cent more ingest in paired runs).
    port.postMessage({ id: req.id, json: JSON.stringify(decodeIngest(req.sender, req.body, req.ctx)) });
  } catch (err) {
    // A bug, not bad input (that comes back as data): the hub answers 500 for this request and carries on.
    port.postMessage({ id: req.id, fault: String((err as Error)?.stack ?? err) });
  }
});
port.postMessage({ ready: true });
