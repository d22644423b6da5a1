/** Reads a NAB corpus folder: series, labelled windows (as row ranges), and any per-row column. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusFile {
  /** "<category>/<file>.csv" */
  key: string;
  category: string;
  file: string;
  n: number;
  timestamps: string[];
  values: number[];
  windows: [number, number][];
}

function readCsv(path: string, column: string): { timestamps: string[]; values: number[] } {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const col = header.indexOf(column);
  if (col < 0) throw new Error(`${path} has no ${column} column`);
  const timestamps: string[] = [];
  const values: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    timestamps.push(cells[0] as string);
    values.push(Number(cells[col]));
  }
  return { timestamps, values };
}

/** Windows [start, end] (timestamps, inclusive) to the first and last rows inside them. */
export function windowRows(timestamps: readonly string[], windows: readonly [string, string][]): [number, number][] {
  return windows.map(([start, end]) => {
    const s = start.slice(0, 19);
    const e = end.slice(0, 19);
    let first = -1;
    let last = -1;
    timestamps.forEach((t, i) => {
      if (t >= s && t <= e) {
        if (first < 0) first = i;
        last = i;
      }
    });
    return [first, last];
  });
}

export function loadCorpus(nab: string, pathOf: (category: string, file: string) => string = (c, f) => join(nab, 'data', c, f), column = 'value'): CorpusFile[] {
  const labels = JSON.parse(readFileSync(join(nab, 'labels/combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return Object.keys(labels)
    .sort()
    .map((key) => {
      const [category, file] = key.split('/') as [string, string];
      const { timestamps, values } = readCsv(pathOf(category, file), column);
      return { key, category, file, n: values.length, timestamps, values, windows: windowRows(timestamps, labels[key] ?? []) };
    });
}
