// Starts decode-worker.ts from the TypeScript sources (under tsx and the test
// runner). Node 20 does not apply an inherited `--import tsx` to a worker's entry,
// so the worker registers tsx itself. The built app uses out/main/ingest-decoder.js.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
