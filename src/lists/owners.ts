// Owners: who holds a global address (AS number, organisation, country), from open range datasets, in one compact table.
import {
  AddrParseError,
  PrefixTable,
  addrFrom4,
  addrFrom6,
  parseAddrScratch,
  rangeCover,
  type Addr,
  type CoverSink,
  type PackedPrefixes,
  type ScratchAddr,
} from '../net/index.js';
import { ListFormatError } from '../errors.js';

/** The owner of an address as results carry it (contract additions): each key only where known. */
export interface Owner {
  readonly asn?: number;
  readonly org?: string;
  readonly country?: string;
}

/**
 * An owner as the table holds it: the value, and its JSON member text made on first use. One read
 * from the cache file starts as its JSON text alone (`fromText`) and is parsed when first asked for:
 * a run meets a few thousand of the table's hundred thousand owners, and start-up parses none.
 */
export class OwnerRecord {
  #owner: Owner | undefined;
  #text: string | undefined;
  #json: string | undefined;
  /** From the owner, or (fromText) from its JSON text alone. */
  constructor(owner: Owner | undefined, text?: string) {
    this.#owner = owner;
    this.#text = text;
  }

  /** An owner from its JSON text (`JSON.stringify` of a frozen Owner, as `text` gives it back). */
  static fromText(text: string): OwnerRecord {
    return new OwnerRecord(undefined, text);
  }

  get owner(): Owner {
    return (this.#owner ??= Object.freeze(JSON.parse(this.#text!) as Owner));
  }

  /** The owner as JSON text: `{"asn":…,"org":…,"country":…}`, each key only where known. */
  get text(): string {
    return (this.#text ??= JSON.stringify(this.#owner));
  }

  /** `,"owner":{…}`: what a result's JSON text carries, built once per owner, not per answer. */
  get json(): string {
    return (this.#json ??= `,"owner":${this.text}`);
  }
}

/**
 * One layer's rows: `start,end,…` ranges of one family each, in file order, with a value index.
 * Positions are BigInt: an IPv6 address is 128 bits, and load time, not the lookup, pays for it.
 */
interface Rows {
  starts: bigint[];
  ends: bigint[];
  values: number[];
}

interface Segment {
  start: bigint;
  end: bigint;
  value: number;
}

/** What an owner layer was read from, for /lists and the docs' attribution. */
export interface OwnerSourceInfo {
  readonly name: string;
  readonly files: readonly string[];
  readonly ranges: number;
  readonly licence: string;
}

/** Where owners come from: the built-in table, or the user's MaxMind files (owner-mmdb.ts). */
export interface OwnerSource {
  /** The owner of an unmapped address, with its JSON text; undefined where none is known. */
  find(addr: Addr | ScratchAddr): OwnerRecord | undefined;
  ownerOf(addr: Addr | ScratchAddr): Owner | undefined;
  readonly sources: readonly OwnerSourceInfo[];
  /** Prefixes held (0 for a source that is not a table). */
  readonly size: { readonly v4: number; readonly v6: number };
  readonly bytes: number;
}

/**
 * An immutable table of owners: the AS layer and the country layer are overlaid at build into one
 * partition of the address space, each piece an interned Owner, and its CIDR cover is one
 * PrefixTable (bench/table.ts: on the real ASN ranges the trie of the cover answers ~1.6× faster
 * than a binary search over the ranges, and builds in a fraction of the memory). A lookup is
 * then one trie walk and no allocation.
 */
export class OwnerTable implements OwnerSource {
  readonly #table: PrefixTable<OwnerRecord>;
  readonly sources: readonly OwnerSourceInfo[];
  /** Prefixes in the table (the cover of the overlaid pieces), per family. */
  readonly size: { readonly v4: number; readonly v6: number };

  private constructor(table: PrefixTable<OwnerRecord>, sources: readonly OwnerSourceInfo[]) {
    this.#table = table;
    this.sources = Object.freeze(sources);
    this.size = table.size;
  }

  /** The owner of an unmapped address (an Addr or the parser's scratch record), or undefined. */
  ownerOf(addr: Addr | ScratchAddr): Owner | undefined {
    return this.#table.longestMatch(addr)?.owner;
  }

  /** The same, with the owner's JSON text: what the enricher writes. */
  find(addr: Addr | ScratchAddr): OwnerRecord | undefined {
    return this.#table.longestMatch(addr);
  }

  get bytes(): number {
    return this.#table.bytes;
  }

  /** The table's arrays and owners, for the cache file (owner-load.ts). */
  arrays(): ReturnType<PrefixTable<OwnerRecord>['arrays']> {
    return this.#table.arrays();
  }

  /** @internal built by OwnerTableBuilder only. */
  static create(table: PrefixTable<OwnerRecord>, sources: readonly OwnerSourceInfo[]): OwnerTable {
    return new OwnerTable(table, sources);
  }
}

/**
 * Reads owner datasets and builds the OwnerTable. Rows are the ip-location-db layouts (also
 * DB-IP lite and iptoasn): `start,end,asn,org` for the AS layer and `start,end,country` for the
 * country layer, addresses as text, no header. Where rows of one layer overlap, the row that
 * starts later wins over the part it covers (for a nested row, the more specific one); of two
 * rows with the same start, the narrower; of identical rows, the first. The real files have such
 * rows (the 2026-06 ASN file: 214.95.0.0-215.0.255.255 and 215.0.0.0-215.1.3.255; the country
 * file: some 7,500 nested ranges).
 */
export class OwnerTableBuilder {
  readonly #asn = { v4: rows(), v6: rows() };
  readonly #country = { v4: rows(), v6: rows() };
  readonly #asnValues: Array<{ asn: number; org: string }> = [];
  readonly #asnIndex = new Map<string, number>();
  readonly #countries: string[] = [];
  readonly #countryIndex = new Map<string, number>();
  readonly #sources: OwnerSourceInfo[] = [];

  /** Adds a `start,end,asn,org` file's text. Throws ListFormatError naming the line. */
  addAsnText(text: string, file: string): number {
    return this.#read(text, file, 'asn', (cells, bad) => {
      const asn = Number(cells[2]);
      if (cells[2] === undefined || !/^\d+$/.test(cells[2]) || asn > 0xffffffff) throw bad(`invalid AS number ${JSON.stringify(cells[2] ?? '')}`);
      const org = cells[3] ?? '';
      const key = `${asn}\u0000${org}`;
      let id = this.#asnIndex.get(key);
      if (id === undefined) {
        id = this.#asnValues.length;
        this.#asnValues.push({ asn, org });
        this.#asnIndex.set(key, id);
      }
      return id;
    });
  }

  /** Adds a `start,end,country` file's text (ISO 3166 alpha-2). */
  addCountryText(text: string, file: string): number {
    return this.#read(text, file, 'country', (cells, bad) => {
      const cc = cells[2] ?? '';
      if (!/^[A-Z]{2}$/.test(cc)) throw bad(`invalid country code ${JSON.stringify(cc)}`);
      let id = this.#countryIndex.get(cc);
      if (id === undefined) {
        id = this.#countries.length;
        this.#countries.push(cc);
        this.#countryIndex.set(cc, id);
      }
      return id;
    });
  }

  /** Names a source for the attribution shown in /lists. */
  describe(source: OwnerSourceInfo): void {
    this.#sources.push(Object.freeze({ ...source, files: Object.freeze([...source.files]) }));
  }

  #read(text: string, file: string, layer: 'asn' | 'country', valueOf: (cells: string[], bad: (reason: string) => ListFormatError) => number): number {
    const target = layer === 'asn' ? this.#asn : this.#country;
    let n = 0;
    let line = 0;
    let at = 0;
    while (at < text.length) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      line++;
      const raw = text.slice(at, nl > at && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      at = nl + 1;
      if (raw === '' || raw.charCodeAt(0) === 35 /* # */) continue;
      const bad = (reason: string) => new ListFormatError(file, line, raw, reason);
      const cells = csvCells(raw);
      if (cells.length < 3) throw bad(`a row needs start,end,${layer === 'asn' ? 'asn,org' : 'country'}`);
      const start = position(cells[0]!);
      const end = position(cells[1]!);
      if (start === null) throw bad(`invalid range start ${JSON.stringify(cells[0])}`);
      if (end === null) throw bad(`invalid range end ${JSON.stringify(cells[1])}`);
      if (start.v6 !== end.v6) throw bad('the start and the end are of different address families');
      if (start.at > end.at) throw bad('the start is after the end');
      const r = start.v6 ? target.v6 : target.v4;
      r.starts.push(start.at);
      r.ends.push(end.at);
      r.values.push(valueOf(cells, bad));
      n++;
    }
    return n;
  }

  build(): OwnerTable {
    const owners: OwnerRecord[] = [];
    const ownerIndex = new Map<number, number>();
    const packed = new PackedBuilder();
    const ownerIds: number[] = [];
    const countries = this.#countries.length;
    for (const v6 of [false, true]) {
      const asn = partition(v6 ? this.#asn.v6 : this.#asn.v4);
      const country = partition(v6 ? this.#country.v6 : this.#country.v4);
      for (const piece of overlay(asn, country)) {
        // One interned Owner per (AS, country) pair: few thousand distinct, shared by every range.
        const key = (piece.asn + 1) * (countries + 1) + (piece.country + 1);
        let id = ownerIndex.get(key);
        if (id === undefined) {
          const a = piece.asn >= 0 ? this.#asnValues[piece.asn]! : undefined;
          const o: { asn?: number; org?: string; country?: string } = {};
          if (a) {
            o.asn = a.asn;
            if (a.org !== '') o.org = a.org;
          }
          if (piece.country >= 0) o.country = this.#countries[piece.country]!;
          id = owners.length;
          owners.push(new OwnerRecord(Object.freeze(o)));
          ownerIndex.set(key, id);
        }
        const owner = id;
        coverOf(piece.start, piece.end, v6, (version, bits, w0, w1, w2, w3) => {
          packed.push(version, bits, w0, w1, w2, w3);
          ownerIds.push(owner);
        });
      }
    }
    const table = PrefixTable.fromPacked(packed.packed(), (i) => owners[ownerIds[i]!]!);
    return OwnerTable.create(table, this.#sources);
  }
}

function rows(): Rows {
  return { starts: [], ends: [], values: [] };
}

/**
 * One layer's rows as disjoint segments in address order, by the rule of OwnerTableBuilder: a
 * stack of the open rows, the newest open one winning; a row resumes after the rows inside it end.
 */
function partition(r: Rows): Segment[] {
  const order = Array.from(r.starts.keys());
  // Start ascending; at the same start the wider first, so the narrower (pushed later) wins.
  order.sort((a, b) =>
    r.starts[a]! < r.starts[b]! ? -1 : r.starts[a]! > r.starts[b]! ? 1 : r.ends[a]! > r.ends[b]! ? -1 : r.ends[a]! < r.ends[b]! ? 1 : a - b,
  );
  const out: Segment[] = [];
  const stack: number[] = [];
  let cursor = 0n;
  const emit = (start: bigint, end: bigint, value: number) => {
    if (start > end) return;
    const last = out[out.length - 1];
    // Adjacent pieces of one value are one segment: fewer prefixes in the cover.
    if (last && last.value === value && last.end + 1n === start) last.end = end;
    else out.push({ start, end, value });
  };
  const closeUntil = (limit: bigint) => {
    // Close every open row that ends before `limit`, the top first.
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const end = r.ends[top]!;
      if (end >= limit) return;
      if (cursor <= end) {
        emit(cursor, end, r.values[top]!);
        cursor = end + 1n;
      }
      stack.pop();
    }
  };
  let previous = -1;
  for (const i of order) {
    const s = r.starts[i]!;
    const e = r.ends[i]!;
    // An identical row again: the first one stands.
    if (previous >= 0 && r.starts[previous] === s && r.ends[previous] === e) continue;
    previous = i;
    closeUntil(s);
    if (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      emit(cursor, s - 1n, r.values[top]!);
    }
    stack.push(i);
    cursor = s;
  }
  closeUntil(1n << 129n);
  return out;
}

/** Two partitions overlaid: every piece where both (or one) have a value, with both values (-1: none). */
function* overlay(a: Segment[], b: Segment[]): Generator<{ start: bigint; end: bigint; asn: number; country: number }> {
  let i = 0;
  let j = 0;
  let pending: { start: bigint; end: bigint; asn: number; country: number } | null = null;
  const out = (start: bigint, end: bigint, asn: number, country: number) => {
    if (pending && pending.asn === asn && pending.country === country && pending.end + 1n === start) {
      pending.end = end;
      return null;
    }
    const done = pending;
    pending = { start, end, asn, country };
    return done;
  };
  // A sweep over both lists' boundaries: `at` is the first address not yet placed.
  let at = 0n;
  while (i < a.length || j < b.length) {
    const sa = a[i];
    const sb = b[j];
    const next = sa && sb ? (sa.start < sb.start ? sa.start : sb.start) : (sa ?? sb)!.start;
    if (at < next) at = next;
    const inA = sa !== undefined && sa.start <= at;
    const inB = sb !== undefined && sb.start <= at;
    // The piece ends where the first of the current segments ends or the next one starts.
    let end = (1n << 128n) - 1n;
    if (inA) end = sa.end;
    else if (sa) end = sa.start - 1n;
    if (inB) end = end < sb.end ? end : sb.end;
    else if (sb && sb.start - 1n < end) end = sb.start - 1n;
    const done = out(at, end, inA ? sa.value : -1, inB ? sb.value : -1);
    if (done) yield done;
    at = end + 1n;
    if (inA && sa.end === end) i++;
    if (inB && sb.end === end) j++;
  }
  if (pending) yield pending;
}

/** The CIDR cover of [start, end] (one family) to `emit`. */
function coverOf(start: bigint, end: bigint, v6: boolean, emit: CoverSink): void {
  const err = v6
    ? rangeCover(addrFrom6(...wordsOf(start)), addrFrom6(...wordsOf(end)), emit)
    : rangeCover(addrFrom4(Number(start)), addrFrom4(Number(end)), emit);
  if (err) throw new Error(`owner cover: ${err.message}`);
}

const W = 0xffffffffn;
function wordsOf(x: bigint): [number, number, number, number] {
  return [Number((x >> 96n) & W), Number((x >> 64n) & W), Number((x >> 32n) & W), Number(x & W)];
}

/** A text address as a position in its family, or null. */
function position(cell: string): { v6: boolean; at: bigint } | null {
  const a = parseAddrScratch(cell);
  if (a instanceof AddrParseError || a.zone !== '') return null;
  // An IPv4-mapped end is IPv4, as every lookup sees it (addresses are unmapped at parse).
  if (a.version === 4) return { v6: false, at: BigInt(a.w0) };
  return { v6: true, at: (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3) };
}

/** The cells of one CSV row: RFC 4180 quoting (an org name holds commas and doubled quotes). */
function csvCells(row: string): string[] {
  if (row.indexOf('"') < 0) return row.split(',');
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (row.charCodeAt(i) === 34) {
      let cell = '';
      i++;
      for (;;) {
        const q = row.indexOf('"', i);
        if (q < 0) {
          cell += row.slice(i);
          i = row.length;
          break;
        }
        cell += row.slice(i, q);
        if (row.charCodeAt(q + 1) === 34) {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
      if (i >= row.length) return cells;
      i++; // the comma
    } else {
      const c = row.indexOf(',', i);
      if (c < 0) {
        cells.push(row.slice(i));
        return cells;
      }
      cells.push(row.slice(i, c));
      i = c + 1;
    }
  }
}

/** Growable packed prefixes. */
class PackedBuilder {
  #n = 0;
  #versions = new Uint8Array(1 << 16);
  #bits = new Uint8Array(1 << 16);
  #words = new Uint32Array(4 << 16);

  push(version: 4 | 6, bits: number, w0: number, w1: number, w2: number, w3: number): void {
    if (this.#n === this.#versions.length) {
      const grow = (a: Uint8Array) => {
        const b = new Uint8Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#versions = grow(this.#versions);
      this.#bits = grow(this.#bits);
      const w = new Uint32Array(this.#words.length * 2);
      w.set(this.#words);
      this.#words = w;
    }
    const i = this.#n++;
    this.#versions[i] = version;
    this.#bits[i] = bits;
    const k = 4 * i;
    this.#words[k] = w0;
    this.#words[k + 1] = w1;
    this.#words[k + 2] = w2;
    this.#words[k + 3] = w3;
  }

  packed(): PackedPrefixes {
    const n = this.#n;
    return { count: n, versions: this.#versions.subarray(0, n), bits: this.#bits.subarray(0, n), words: this.#words.subarray(0, 4 * n) };
  }
}
