// The export layer: the loaded lists written as the files other engines read (MaxMind DB, ClickHouse, Elasticsearch, Splunk, Logstash, Graylog, nftables, ipset).
import type { ListSet } from '../lists/index.js';
import { writeMmdb, type MmdbOptions, type MmdbStats } from './mmdb/writer.js';
import type { ExportOutput } from './output.js';
import { exportSource, type ExportSource, type Selection } from './pieces.js';

export { writeOutput, OutputPathError } from './output.js';
export type { ExportFile, ExportOutput } from './output.js';
export { exportSource, isUnlisted, piecesOf, SelectionError, sweep } from './pieces.js';
export type { ExportSource, Piece, PrefixAnswer, Selection } from './pieces.js';
export { recordOf } from './record.js';
export type { ExportRecord } from './record.js';
export { newestPublished, writeMmdb } from './mmdb/writer.js';
export type { MmdbOptions, MmdbStats } from './mmdb/writer.js';

export const EXPORT_FORMATS = ['mmdb'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions extends Selection, MmdbOptions {}

/** What an export wrote, for the summary on stderr. */
export interface ExportSummary {
  /** Rows, ranges or tree blocks written, per family (what each format counts is in docs/export.md). */
  readonly written: { readonly v4: number; readonly v6: number };
  readonly mmdb?: MmdbStats;
}

/** Builds one format's files from the loaded lists (nothing is written yet: see writeOutput). */
export function buildExport(set: ListSet, format: ExportFormat, opts: ExportOptions = {}): { output: ExportOutput; summary: ExportSummary } {
  const src: ExportSource = exportSource(set, opts);
  switch (format) {
    case 'mmdb': {
      const { bytes, stats } = writeMmdb(src, opts);
      return { output: { kind: 'file', files: [{ name: '', data: bytes }] }, summary: { written: stats.blocks, mmdb: stats } };
    }
  }
}
