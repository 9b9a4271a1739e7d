// The export layer: the loaded lists written as the files other engines read (MaxMind DB, ClickHouse, Elasticsearch, Splunk, Logstash, Graylog, nftables, ipset).
import type { ListSet } from '../lists/index.js';
import { writeClickhouse } from './clickhouse.js';
import { writeElasticsearch } from './elasticsearch.js';
import { writeIpset, writeNftables } from './firewall.js';
import { writeGraylog } from './graylog.js';
import { writeLogstashCidr, writeLogstashTranslate } from './logstash.js';
import { writeMmdb, type MmdbOptions, type MmdbStats } from './mmdb/writer.js';
import type { ExportOutput } from './output.js';
import { exportSource, type ExportSource, type Selection } from './pieces.js';
import type { Row } from './rows.js';
import { writeSplunk } from './splunk.js';

export { writeOutput, OutputPathError } from './output.js';
export type { ExportFile, ExportOutput } from './output.js';
export { exportSource, isUnlisted, piecesOf, SelectionError, sweep } from './pieces.js';
export type { ExportSource, Piece, PrefixAnswer, Selection } from './pieces.js';
export { recordOf } from './record.js';
export type { ExportRecord } from './record.js';
export { newestPublished, writeMmdb } from './mmdb/writer.js';
export type { MmdbOptions, MmdbStats } from './mmdb/writer.js';

export { blocksOf, disjointPieces, mostSpecificFirst, prefixRows } from './rows.js';
export type { Row } from './rows.js';
export { javaNetwork, safeName } from './logstash.js';

export const EXPORT_FORMATS = [
  'mmdb',
  'clickhouse',
  'elasticsearch',
  'splunk',
  'logstash-cidr',
  'logstash-translate',
  'graylog-csv',
  'nftables',
  'ipset',
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions extends Selection, MmdbOptions {
  /** Where the export goes: the ClickHouse DDL and the Splunk stanza name the file. */
  readonly out?: string | undefined;
}

const perFamily = (rows: readonly Row[]) => {
  let v4 = 0;
  for (const r of rows) if (r.version === 4) v4++;
  return { v4, v6: rows.length - v4 };
};

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
    case 'clickhouse': {
      const { output, rows } = writeClickhouse(src, opts.out ?? 'ipdest.tsv');
      return { output, summary: { written: perFamily(rows) } };
    }
    case 'splunk': {
      const { output, rows } = writeSplunk(src, opts.out ?? 'ipdest.csv');
      return { output, summary: { written: perFamily(rows) } };
    }
    case 'elasticsearch': {
      const { output, pieces } = writeElasticsearch(src);
      const v4 = pieces.filter((p) => p.version === 4).length;
      return { output, summary: { written: { v4, v6: pieces.length - v4 } } };
    }
    case 'logstash-cidr': {
      const { output, rows } = writeLogstashCidr(src);
      return { output, summary: { written: rows } };
    }
    case 'logstash-translate': {
      const { output, rows } = writeLogstashTranslate(src);
      return { output, summary: { written: perFamily(rows) } };
    }
    case 'graylog-csv': {
      const { output, rows } = writeGraylog(src);
      return { output, summary: { written: perFamily(rows) } };
    }
    case 'nftables': {
      const { output, rows } = writeNftables(src);
      return { output, summary: { written: rows } };
    }
    case 'ipset': {
      const { output, rows } = writeIpset(src);
      return { output, summary: { written: rows } };
    }
  }
}
