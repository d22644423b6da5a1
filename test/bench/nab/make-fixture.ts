/**
 * Builds test/fixtures/nab/numenta-reference.json.gz from ../shared/data/nab:
 * row counts, labelled windows as row ranges, and the published Numenta HTM
 * scores — what the scorer test needs to run from a plain clone.
 * node --import tsx test/bench/nab/make-fixture.ts [nabDir]
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { loadCorpus } from './corpus';

const nab = process.argv[2] ?? join(import.meta.dirname, '../../../../shared/data/nab');
const corpus = loadCorpus(nab, (cat, file) => join(nab, 'reference/numenta', cat, `numenta_${file}`), 'anomaly_score');
const fixture = Object.fromEntries(corpus.map((f) => [f.key, { n: f.n, windows: f.windows, scores: f.values }]));
const out = join(import.meta.dirname, '../../fixtures/nab');
writeFileSync(join(out, 'numenta-reference.json.gz'), gzipSync(JSON.stringify(fixture), { level: 9 }));
copyFileSync(join(nab, 'LICENSE.txt'), join(out, 'LICENSE.txt'));
console.log(`wrote ${corpus.length} files, ${corpus.reduce((s, f) => s + f.n, 0)} rows`);
