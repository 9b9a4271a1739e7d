// The lists as a MaxMind DB 2.0 file: one record per answer, the tree from the disjoint pieces, reproducible metadata.
import type { MatchSet } from '../../lists/index.js';
import { coverOf, isUnlisted, piecesOf, type ExportSource } from '../pieces.js';
import { recordOf } from '../record.js';
import { DataWriter, Uint, type DataValue } from './data.js';
import { TreeBuilder, type Words } from './tree.js';

export interface MmdbOptions {
  /**
   * `logstash`: a type and fields the Logstash geoip filter and the Elasticsearch geoip processor
   * take as an ASN database (docs/export.md says what they then show).
   */
  readonly compat?: 'logstash' | undefined;
  /** `database_type` (default `ipdest`, or `ipdest-GeoLite2-ASN` in the logstash mode). */
  readonly databaseType?: string | undefined;
  /**
   * Also write each match's own prefix (`prefix`, and `matches` whenever more than one list holds
   * the address). Off by default: the prefix makes every record distinct, 64k records instead of
   * about 5k for the real lists, and the file 9 MB instead of 2 (docs/export.md).
   */
  readonly prefixes?: boolean | undefined;
  /** `build_epoch` in seconds; default: the newest publication date of the lists, else 0 (never the clock: same lists, same bytes). */
  readonly buildEpoch?: number | undefined;
}

export interface MmdbStats {
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly dataBytes: number;
  /** Distinct data records. */
  readonly records: number;
  /** Tree blocks written per family (the CIDR cover of the pieces). */
  readonly blocks: { readonly v4: number; readonly v6: number };
}

/**
 * Where the search section ends and the metadata starts: the spec's marker, searched for from the
 * end of the file by every reader.
 */
const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'ascii')]);

/** Blocks of IPv6 that hold no IPv6 data: ::/96 is the IPv4 space of an IPv6 tree, ::ffff:0:0/96 its alias. */
const IPV4_SPACE: readonly [bigint, bigint] = [0n, 0xffffffffn];
const MAPPED_SPACE: readonly [bigint, bigint] = [0xffffn << 32n, (0xffffn << 32n) | 0xffffffffn];

function wordsOf(n: bigint): Words {
  const W = 0xffffffffn;
  return [Number((n >> 96n) & W), Number((n >> 64n) & W), Number((n >> 32n) & W), Number(n & W)];
}

/** [start, end] without the parts in the given blocks (sorted, disjoint). */
function clip(start: bigint, end: bigint, holes: ReadonlyArray<readonly [bigint, bigint]>): Array<[bigint, bigint]> {
  let parts: Array<[bigint, bigint]> = [[start, end]];
  for (const [hs, he] of holes) {
    parts = parts.flatMap(([s, e]): Array<[bigint, bigint]> => {
      if (e < hs || s > he) return [[s, e]];
      const out: Array<[bigint, bigint]> = [];
      if (s < hs) out.push([s, hs - 1n]);
      if (e > he) out.push([he + 1n, e]);
      return out;
    });
  }
  return parts;
}

/** The newest publication date of the lists, in seconds; 0 when none says. */
export function newestPublished(src: ExportSource): number {
  let newest = 0;
  for (const l of src.lists) {
    const t = l.published === null ? NaN : Date.parse(l.published);
    if (Number.isFinite(t)) newest = Math.max(newest, Math.floor(t / 1000));
  }
  return newest;
}

/** The data record of an answer in the default shape, or the logstash one (ASN fields first, then the same). */
function mmdbRecord(set: MatchSet, opts: MmdbOptions): DataValue {
  const r = recordOf(set);
  const full: Record<string, DataValue> = {};
  if (opts.compat === 'logstash') full['autonomous_system_organization'] = r.label;
  full['label'] = r.label;
  if (r.tag !== null) full['tag'] = r.tag;
  full['scope'] = r.scope;
  full['tags'] = r.tags;
  if (r.list !== null) full['list'] = r.list;
  if (r.prefix !== null && opts.prefixes) full['prefix'] = r.prefix;
  if (r.services.length) full['services'] = r.services;
  if (r.regions.length) full['regions'] = r.regions;
  if (r.hosting !== null) full['hosting'] = r.hosting;
  if (set.matches.length > 1) {
    full['matches'] = set.matches.map((m) => {
      const o: Record<string, DataValue> = { list: m.list, tag: m.tag };
      if (opts.prefixes) o['prefix'] = m.prefix;
      if (m.services.length) o['services'] = m.services;
      if (m.regions.length) o['regions'] = m.regions;
      if (m.hosting !== undefined) o['hosting'] = m.hosting;
      return o;
    });
  }
  return full;
}

/** The MaxMind DB file of an export source. Every call with the same source and options gives the same bytes. */
export function writeMmdb(src: ExportSource, opts: MmdbOptions = {}): { bytes: Buffer; stats: MmdbStats } {
  const data = new DataWriter();
  // The keys first: at offsets under 2048 every later use is a 2-byte pointer.
  for (const k of ['autonomous_system_organization', 'label', 'tag', 'scope', 'tags', 'list', 'prefix', 'services', 'regions', 'hosting', 'matches'])
    data.add(k);
  const tree = new TreeBuilder();
  const offsets = new Map<MatchSet, number>();
  const offsetOf = (set: MatchSet) => {
    let o = offsets.get(set);
    if (o === undefined) {
      o = data.add(mmdbRecord(set, opts));
      offsets.set(set, o);
    }
    return o;
  };
  const records = new Set<number>();
  const blocks = { v4: 0, v6: 0 };
  for (const version of [4, 6] as const) {
    // Pieces are not merged across prefixes even where their records are equal: then the network a
    // reader reports always lies inside the list prefix that matched (merging saved 0.7% on the real lists).
    const pieces = piecesOf(
      src,
      version,
      (s) => !isUnlisted(s),
      (s) => String(s.id),
    );
    for (const p of pieces) {
      const off = offsetOf(p.set);
      records.add(off);
      const ranges = version === 4 ? [[p.start, p.end] as [bigint, bigint]] : clip(p.start, p.end, [IPV4_SPACE, MAPPED_SPACE]);
      for (const [s, e] of ranges) {
        coverOf(version, s, e, (b) => {
          if (version === 4) tree.insert([0, 0, 0, Number(b.start)], 96 + b.bits, off);
          else tree.insert(wordsOf(b.start), b.bits, off);
          blocks[version === 4 ? 'v4' : 'v6']++;
        });
      }
    }
  }
  // IPv4-mapped addresses (::ffff:a.b.c.d) find the IPv4 answers, as the classifier gives them.
  const v4root = tree.recordAt([0, 0, 0, 0], 96);
  if (v4root !== -1) tree.link([0, 0, 0xffff, 0], 96, v4root);
  const section = data.bytes();
  const { bytes: treeBytes, nodeCount, recordSize } = tree.serialise(section.length);
  const meta = new DataWriter({ dedupe: false });
  const names = src.lists.map((l) => `${l.name} ${l.version ?? '-'}`).join(', ');
  meta.add({
    binary_format_major_version: new Uint(16, 2n),
    binary_format_minor_version: new Uint(16, 0n),
    build_epoch: new Uint(64, BigInt(opts.buildEpoch ?? newestPublished(src))),
    database_type: opts.databaseType ?? (opts.compat === 'logstash' ? 'ipdest-GeoLite2-ASN' : 'ipdest'),
    description: { en: `ipdest: destination tags of the lists ${names}` },
    ip_version: new Uint(16, 6n),
    languages: ['en'],
    node_count: new Uint(32, BigInt(nodeCount)),
    record_size: new Uint(16, BigInt(recordSize)),
  });
  const bytes = Buffer.concat([treeBytes, Buffer.alloc(16), section, METADATA_MARKER, meta.bytes()]);
  return { bytes, stats: { nodeCount, recordSize, dataBytes: section.length, records: records.size, blocks } };
}
