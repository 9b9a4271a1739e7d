// Address ranges: [start, end] split into its minimal CIDR cover, in 32-bit word arithmetic.
import { type Addr, addrFrom4, addrFrom6 } from './addr.js';
import { Prefix } from './prefix.js';

/** Why two addresses do not make a range. A value, like AddrParseError: callers name the line. */
export class AddrRangeError {
  readonly code = 'INVALID_RANGE' as const;
  constructor(
    readonly kind: 'MIXED_FAMILY' | 'START_AFTER_END' | 'ZONE',
    readonly start: Addr,
    readonly end: Addr,
    readonly reason: string,
  ) {}
  get message(): string {
    return `${this.start.toString()}-${this.end.toString()}: ${this.reason}`;
  }
}

/**
 * The minimal CIDR cover of [start, end]: the fewest prefixes whose union is exactly the range,
 * disjoint and in address order.
 *
 * IPv4-mapped addresses follow the rest of ipdest (addresses are unmapped before any lookup): a
 * range whose two ends are IPv4 (mapped or not) is an IPv4 range; a range between an IPv6 address
 * and a mapped one, or one spanning ::ffff:0:0/96, is cut at the edges of that block, and the part
 * inside it becomes IPv4 prefixes (in address order: IPv6 below the block, IPv4, IPv6 above).
 */
export function rangeToPrefixes(start: Addr, end: Addr): Prefix[] | AddrRangeError {
  const out: Prefix[] = [];
  const err = rangeCover(start, end, (version, bits, w0, w1, w2, w3) => {
    out.push(Prefix.create(version === 4 ? addrFrom4(w0) : addrFrom6(w0, w1, w2, w3), bits));
  });
  return err ?? out;
}

/** Receives one prefix of a cover: its family, length and words (IPv4: w0 only). */
export type CoverSink = (version: 4 | 6, bits: number, w0: number, w1: number, w2: number, w3: number) => void;

/**
 * rangeToPrefixes without the Prefix objects: each prefix of the cover, in order, to `emit`
 * (a loader of a million-prefix range set packs them into typed arrays). undefined when the
 * range is good.
 */
export function rangeCover(start: Addr, end: Addr, emit: CoverSink): AddrRangeError | undefined {
  if (start.zone !== '' || end.zone !== '') return new AddrRangeError('ZONE', start, end, 'a range has no zone');
  if (start.version === 4 && end.version === 4) {
    if (start.w0 > end.w0) return new AddrRangeError('START_AFTER_END', start, end, 'the start is after the end');
    cover([start.w0], [end.w0], emit);
    return undefined;
  }
  // Some end is IPv6: compare as IPv6 positions; a plain (unmapped) IPv4 end is another family.
  if ((start.version === 4 && !start.mapped) || (end.version === 4 && !end.mapped)) {
    return new AddrRangeError('MIXED_FAMILY', start, end, 'the start and the end are of different address families');
  }
  const s = position6(start);
  const e = position6(end);
  if (compare(s, e) > 0) return new AddrRangeError('START_AFTER_END', start, end, 'the start is after the end');
  // Below the mapped block, inside it (as IPv4), above it.
  if (compare(s, MAPPED_FIRST) < 0) cover(s, compare(e, BELOW_MAPPED) < 0 ? e : BELOW_MAPPED, emit);
  if (compare(s, MAPPED_LAST) <= 0 && compare(e, MAPPED_FIRST) >= 0) {
    const from = compare(s, MAPPED_FIRST) < 0 ? 0 : s[3]!;
    const to = compare(e, MAPPED_LAST) > 0 ? 0xffffffff : e[3]!;
    cover([from], [to], emit);
  }
  if (compare(e, MAPPED_LAST) > 0) cover(compare(s, ABOVE_MAPPED) > 0 ? s : ABOVE_MAPPED, e, emit);
  return undefined;
}

const MAPPED_FIRST: readonly number[] = [0, 0, 0xffff, 0];
const MAPPED_LAST: readonly number[] = [0, 0, 0xffff, 0xffffffff];
const BELOW_MAPPED: readonly number[] = [0, 0, 0xfffe, 0xffffffff];
const ABOVE_MAPPED: readonly number[] = [0, 0, 0x10000, 0];

function position6(a: Addr): number[] {
  return a.version === 4 ? [0, 0, 0xffff, a.w0] : [a.w0, a.w1, a.w2, a.w3];
}

/** Compares two word vectors of one length, most significant word first. */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/**
 * Emits the cover of [from, to] (1 word: IPv4, 4 words: IPv6; from ≤ to) to out. The greedy
 * step is the classic one: from the current start, the largest block that is aligned there and
 * does not pass the end; its size is the smaller of the start's trailing zeros and
 * floor(log2(end - start + 1)). Each step is a few word operations; there are at most 2·width.
 */
function cover(from: readonly number[], to: readonly number[], emit: CoverSink): void {
  const n = from.length;
  const width = 32 * n;
  const s = from.slice();
  const diff = new Array<number>(n);
  for (;;) {
    // diff = to - s + 1, with borrow then carry; all of the space (a carry out) is 2^width.
    let borrow = 0;
    for (let i = n - 1; i >= 0; i--) {
      let d = to[i]! - s[i]! - borrow;
      borrow = d < 0 ? 1 : 0;
      if (d < 0) d += 0x100000000;
      diff[i] = d;
    }
    let carry = 1;
    for (let i = n - 1; i >= 0 && carry; i--) {
      const d = diff[i]! + 1;
      carry = d === 0x100000000 ? 1 : 0;
      diff[i] = carry ? 0 : d;
    }
    const sizeLog = carry ? width : bitLength(diff) - 1;
    const k = Math.min(trailingZeros(s, width), sizeLog);
    if (n === 1) emit(4, width - k, s[0]! >>> 0, 0, 0, 0);
    else emit(6, width - k, s[0]! >>> 0, s[1]! >>> 0, s[2]! >>> 0, s[3]! >>> 0);
    // s += 2^k; s is aligned to 2^k, so the add touches one word and then carries.
    if (k === width) return;
    let i = n - 1 - Math.floor(k / 32);
    let add = 2 ** (k % 32);
    while (add !== 0) {
      if (i < 0) return; // past the top of the space: the range ended there
      const v = s[i]! + add;
      if (v >= 0x100000000) {
        s[i] = v - 0x100000000;
        add = 1;
        i--;
      } else {
        s[i] = v;
        add = 0;
      }
    }
    if (compare(s, to) > 0) return;
  }
}

function trailingZeros(w: readonly number[], width: number): number {
  let tz = 0;
  for (let i = w.length - 1; i >= 0; i--) {
    const x = w[i]!;
    if (x === 0) {
      tz += 32;
      continue;
    }
    return tz + (31 - Math.clz32(x & -x));
  }
  return width;
}

/** The bit length of a nonzero word vector. */
function bitLength(w: readonly number[]): number {
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (x !== 0) return (w.length - i) * 32 - Math.clz32(x);
  }
  return 0;
}
