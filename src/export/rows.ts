// The two row sets the table formats are written from: overlapping prefixes (for most-specific matchers) and disjoint blocks (for any matcher).
import type { MatchSet } from '../lists/index.js';
import { blockText, coverOf, isUnlisted, piecesOf, sweep, type ExportSource, type Piece } from './pieces.js';
import { recordOf, type ExportRecord } from './record.js';

export interface Row {
  readonly version: 4 | 6;
  /** The row's network, as Prefix writes it. */
  readonly network: string;
  readonly bits: number;
  readonly start: bigint;
  readonly record: ExportRecord;
}

const sameAnswer = (a: MatchSet, b: MatchSet) => JSON.stringify(recordOf(a)) === JSON.stringify(recordOf(b));

/**
 * The prefixes of the lists and the registry, each with the answer of its own addresses, for a
 * reader that takes the most specific row holding an address (ClickHouse's ip_trie, Splunk's
 * CIDR lookup ordered longest first). A prefix answering as its parent does is left out (the
 * parent's row answers for it), and so is a top-level one that says only "unlisted"; a hole of
 * unlisted space inside a row stays, as a row with the label `Unlisted` and no tag.
 */
export function prefixRows(src: ExportSource): Row[] {
  const out: Row[] = [];
  for (const version of [4, 6] as const) {
    for (const a of sweep(src, version, () => {})) {
      if (a.parent === null ? isUnlisted(a.set) : sameAnswer(a.set, a.parent.set)) continue;
      const p = a.prefix;
      const w = p.addr;
      const start = version === 4 ? BigInt(w.w0) : (BigInt(w.w0) << 96n) | (BigInt(w.w1) << 64n) | (BigInt(w.w2) << 32n) | BigInt(w.w3);
      out.push({ version, network: p.toString(), bits: p.bits, start, record: recordOf(a.set) });
    }
  }
  return out;
}

/**
 * The disjoint pieces of the listed space (unlisted space left out), adjacent pieces merged when
 * `key` says they are the same, for readers with no rule for overlaps.
 */
export function disjointPieces(src: ExportSource, key: (set: MatchSet) => string = (s) => String(s.id)): Piece[] {
  return [...piecesOf(src, 4, (s) => !isUnlisted(s), key), ...piecesOf(src, 6, (s) => !isUnlisted(s), key)];
}

/** The pieces as CIDR blocks (the minimal cover of each), in address order. */
export function blocksOf(pieces: readonly Piece[]): Row[] {
  const out: Row[] = [];
  for (const p of pieces) {
    const record = recordOf(p.set);
    coverOf(p.version, p.start, p.end, (b) =>
      out.push({ version: p.version, network: blockText(p.version, b.start, b.bits), bits: b.bits, start: b.start, record }),
    );
  }
  return out;
}

/** Rows longest prefix first, then in address order: the order a first-match reader needs. */
export function mostSpecificFirst(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => {
    const la = a.version === 4 ? a.bits + 96 : a.bits;
    const lb = b.version === 4 ? b.bits + 96 : b.bits;
    if (la !== lb) return lb - la;
    if (a.version !== b.version) return a.version - b.version;
    return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
  });
}

/** The columns every table writes, in order, as text. */
export const COLUMNS = ['network', 'label', 'tag', 'list', 'list_prefix', 'services', 'regions', 'hosting', 'scope', 'tags'] as const;

export function cells(r: Row): string[] {
  const x = r.record;
  return [r.network, x.label, x.tag ?? '', x.list ?? '', x.prefix ?? '', x.services.join(','), x.regions.join(','), x.hosting ?? '', x.scope, x.tags.join(',')];
}
