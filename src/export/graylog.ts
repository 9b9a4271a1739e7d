// Graylog: a CSV for the CSV File lookup adapter with CIDR lookups on, of disjoint blocks (one row per address at most, whatever rule the adapter applies to overlaps).
import type { ExportOutput } from './output.js';
import type { ExportSource } from './pieces.js';
import { blocksOf, cells, COLUMNS, disjointPieces, type Row } from './rows.js';

/** Every field quoted: the adapter's default quote character is `"`, and quoting is never wrong. */
const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function writeGraylog(src: ExportSource): { output: ExportOutput; rows: readonly Row[] } {
  const rows = blocksOf(disjointPieces(src));
  const lines = [COLUMNS.map(quoted).join(','), ...rows.map((r) => cells(r).map(quoted).join(','))];
  return { output: { kind: 'file', files: [{ name: '', data: lines.join('\n') + '\n' }] }, rows };
}
