// IntervalTable: an immutable table of non-overlapping address ranges, one value each, found by binary search.
import { type Addr, type AddrWords } from './addr.js';

/** One input range of the table: [start, end] inclusive, same family, and its value. */
export interface IntervalRange<V> {
  readonly start: Addr;
  readonly end: Addr;
  readonly value: V;
}

/** Why a set of ranges makes no table: one range is not a range, or two overlap (both named). */
export class IntervalError<V = unknown> {
  readonly code = 'INVALID_INTERVALS' as const;
  constructor(
    readonly kind: 'OVERLAP' | 'INVALID_RANGE',
    readonly reason: string,
    /** The offending range; for OVERLAP, the one that starts later. */
    readonly range: IntervalRange<V>,
    /** For OVERLAP: the range it overlaps. */
    readonly other: IntervalRange<V> | undefined,
  ) {}
  get message(): string {
    return this.reason;
  }
}

const rangeText = (r: IntervalRange<unknown>): string => `${r.start.toString()}-${r.end.toString()}`;

/**
 * Bounds per family in typed arrays, in start order: IPv4 one Uint32 per bound; IPv6 four Uint32
 * words per bound, interleaved (stride 4), so a comparison reads one cache line and almost always
 * ends at the first word. Not a hi/lo pair of Float64: a double holds 53 bits exactly, not 64.
 * A range costs 12 bytes (IPv4) or 36 bytes (IPv6) here, against a cover of up to 62 (254)
 * prefix objects in the trie.
 */
export class IntervalTable<V> {
  readonly #starts4: Uint32Array;
  readonly #ends4: Uint32Array;
  readonly #values4: Uint32Array;
  readonly #starts6: Uint32Array;
  readonly #ends6: Uint32Array;
  readonly #values6: Uint32Array;
  readonly #values: readonly V[];

  private constructor(s4: Uint32Array, e4: Uint32Array, v4: Uint32Array, s6: Uint32Array, e6: Uint32Array, v6: Uint32Array, values: readonly V[]) {
    this.#starts4 = s4;
    this.#ends4 = e4;
    this.#values4 = v4;
    this.#starts6 = s6;
    this.#ends6 = e6;
    this.#values6 = v6;
    this.#values = values;
  }

  /** @internal used by buildIntervalTable only. */
  static create<V>(
    s4: Uint32Array,
    e4: Uint32Array,
    v4: Uint32Array,
    s6: Uint32Array,
    e6: Uint32Array,
    v6: Uint32Array,
    values: readonly V[],
  ): IntervalTable<V> {
    return new IntervalTable(s4, e4, v4, s6, e6, v6, values);
  }

  /** Ranges held per family (adjacent ranges of one value are held as one). */
  get size(): { v4: number; v6: number } {
    return { v4: this.#starts4.length, v6: this.#starts6.length / 4 };
  }

  /** The value of the range holding addr, or undefined. Takes the parser's scratch record too. */
  find(addr: AddrWords): V | undefined {
    if (addr.version === 4) {
      const starts = this.#starts4;
      const a = addr.w0;
      // The last range starting at or below a.
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid]! <= a) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0 || this.#ends4[lo - 1]! < a) return undefined;
      return this.#values[this.#values4[lo - 1]!];
    }
    const starts = this.#starts6;
    const { w0, w1, w2, w3 } = addr;
    let lo = 0;
    let hi = starts.length >>> 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp6(starts, mid << 2, w0, w1, w2, w3) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0 || cmp6(this.#ends6, (lo - 1) << 2, w0, w1, w2, w3) < 0) return undefined;
    return this.#values[this.#values6[lo - 1]!];
  }
}

/** Compares the IPv6 bound at a[i..i+3] with the address words. */
function cmp6(a: Uint32Array, i: number, w0: number, w1: number, w2: number, w3: number): number {
  let x = a[i]!;
  if (x !== w0) return x < w0 ? -1 : 1;
  x = a[i + 1]!;
  if (x !== w1) return x < w1 ? -1 : 1;
  x = a[i + 2]!;
  if (x !== w2) return x < w2 ? -1 : 1;
  x = a[i + 3]!;
  return x === w3 ? 0 : x < w3 ? -1 : 1;
}

interface Row {
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  readonly e0: number;
  readonly e1: number;
  readonly e2: number;
  readonly e3: number;
  readonly value: number;
  readonly index: number;
}

/**
 * Builds a table from ranges in any order. Overlapping ranges are refused, naming both: a range
 * table answers one value per address, and which of two overlapping ones should win is the
 * data's question, not the table's. Values are held once each (compared with Map identity), and
 * adjacent ranges of the same value are joined.
 *
 * A range whose ends are IPv4-mapped IPv6 is an IPv4 range (addresses are unmapped before lookup);
 * a range with a mapped end and an IPv6 one is refused (rangeToPrefixes can split it).
 */
export function buildIntervalTable<V>(ranges: Iterable<IntervalRange<V>>): IntervalTable<V> | IntervalError<V> {
  const input: IntervalRange<V>[] = [];
  const values: V[] = [];
  const valueIndex = new Map<V, number>();
  const rows4: Row[] = [];
  const rows6: Row[] = [];
  for (const r of ranges) {
    const { start: s, end: e } = r;
    const bad = (why: string) => new IntervalError<V>('INVALID_RANGE', `${rangeText(r)}: ${why}`, r, undefined);
    if (s.zone !== '' || e.zone !== '') return bad('a range has no zone');
    if (s.version !== e.version) return bad('the start and the end are of different address families');
    let vi = valueIndex.get(r.value);
    if (vi === undefined) {
      vi = values.length;
      values.push(r.value);
      valueIndex.set(r.value, vi);
    }
    const row: Row = { s0: s.w0, s1: s.w1, s2: s.w2, s3: s.w3, e0: e.w0, e1: e.w1, e2: e.w2, e3: e.w3, value: vi, index: input.length };
    input.push(r);
    if (cmpRows(row, true, row, false) > 0) return bad('the start is after the end');
    (s.version === 4 ? rows4 : rows6).push(row);
  }
  // Ties (equal starts) keep input order, so the overlap error names the ranges as given.
  rows4.sort((a, b) => a.s0 - b.s0 || a.index - b.index);
  rows6.sort((a, b) => cmpRows(a, true, b, true) || a.index - b.index);
  const joined4 = join(rows4, input, 1);
  if (joined4 instanceof IntervalError) return joined4;
  const joined6 = join(rows6, input, 4);
  if (joined6 instanceof IntervalError) return joined6;
  return IntervalTable.create(joined4.starts, joined4.ends, joined4.values, joined6.starts, joined6.ends, joined6.values, Object.freeze(values));
}

/** Compares the start (true) or end (false) bound of row a with one of row b; no allocation: sorting calls it ~n·log n times. */
function cmpRows(a: Row, aStart: boolean, b: Row, bStart: boolean): number {
  const x0 = aStart ? a.s0 : a.e0,
    y0 = bStart ? b.s0 : b.e0;
  if (x0 !== y0) return x0 < y0 ? -1 : 1;
  const x1 = aStart ? a.s1 : a.e1,
    y1 = bStart ? b.s1 : b.e1;
  if (x1 !== y1) return x1 < y1 ? -1 : 1;
  const x2 = aStart ? a.s2 : a.e2,
    y2 = bStart ? b.s2 : b.e2;
  if (x2 !== y2) return x2 < y2 ? -1 : 1;
  const x3 = aStart ? a.s3 : a.e3,
    y3 = bStart ? b.s3 : b.e3;
  return x3 === y3 ? 0 : x3 < y3 ? -1 : 1;
}

/** Whether b starts right after a ends (a.end + 1 === b.start), for joining. IPv4 bounds are in word 0 alone. */
function adjacent(a: Row, b: Row, stride: 1 | 4): boolean {
  if (stride === 1) return a.e0 + 1 === b.s0;
  const e = [a.e0, a.e1, a.e2, a.e3];
  const s = [b.s0, b.s1, b.s2, b.s3];
  let carry = 1;
  for (let i = 3; i >= 0; i--) {
    const v = e[i]! + carry;
    carry = v === 0x100000000 ? 1 : 0;
    if ((carry ? 0 : v) !== s[i]) return false;
  }
  return carry === 0;
}

function join<V>(rows: Row[], input: IntervalRange<V>[], stride: 1 | 4): { starts: Uint32Array; ends: Uint32Array; values: Uint32Array } | IntervalError<V> {
  const kept: Row[] = [];
  for (const row of rows) {
    const prev = kept[kept.length - 1];
    if (prev !== undefined) {
      if (cmpRows(row, true, prev, false) <= 0) {
        // prev may be several joined rows: name the input range that reaches furthest, which overlaps.
        const a = input[prev.index]!;
        const b = input[row.index]!;
        return new IntervalError<V>('OVERLAP', `ranges ${rangeText(a)} and ${rangeText(b)} overlap`, b, a);
      }
      if (prev.value === row.value && adjacent(prev, row, stride)) {
        kept[kept.length - 1] = { ...prev, e0: row.e0, e1: row.e1, e2: row.e2, e3: row.e3, index: row.index };
        continue;
      }
    }
    kept.push(row);
  }
  const n = kept.length;
  const starts = new Uint32Array(n * stride);
  const ends = new Uint32Array(n * stride);
  const values = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = kept[i]!;
    values[i] = r.value;
    if (stride === 1) {
      starts[i] = r.s0;
      ends[i] = r.e0;
    } else {
      const j = i * 4;
      starts[j] = r.s0;
      starts[j + 1] = r.s1;
      starts[j + 2] = r.s2;
      starts[j + 3] = r.s3;
      ends[j] = r.e0;
      ends[j + 1] = r.e1;
      ends[j + 2] = r.e2;
      ends[j + 3] = r.e3;
    }
  }
  return { starts, ends, values };
}
