// The previous PrefixTable (multibit trie with prefix expansion), kept for bench/table.ts to measure against in one process.
import type { AddrWords } from '../src/net/addr.js';
import type { Prefix } from '../src/net/prefix.js';
import { runSteps } from '../src/net/steps.js';

/**
 * A multibit trie with prefix expansion, stored in one Int32Array per family of slot pairs:
 * a value id (0: none) and the offset of the next node (0: none; the root is never a child).
 *
 * IPv4: a 2^16-slot root, an 8-bit node to /24, then 4-bit nodes: at most four steps. IPv6: a
 * 2^16-slot root, 8-bit nodes to /48, then 4-bit nodes. Measured on the real lists of
 * ../shared/data (bench/lookup.ts): 8-bit IPv4 nodes below /24 took 28.6 MB for Azure's many
 * /25-/32 prefixes where 4-bit ones take 8 MB at no measurable cost per lookup; 8-bit IPv6 nodes
 * all the way would take well over 100 MB, 4-bit ones from /16 took 200 ns a listed address.
 *
 * Lookups take an unmapped Addr: an IPv4-mapped IPv6 address is parsed as IPv4 (addr.ts),
 * so it is found in the IPv4 table. A miss returns undefined.
 *
 * The table is immutable after build, so it is safe to share across requests; a reload builds a
 * new table and swaps one reference.
 */
export class OldPrefixTable<T> {
  /** Slot i is [value id, child offset] at 2i, 2i+1: one cache line per step instead of two. */
  readonly #v4: Int32Array;
  readonly #v6: Int32Array;
  readonly #values: readonly T[];
  /** Distinct prefixes per family. */
  readonly size: { readonly v4: number; readonly v6: number };
  /** Bytes held by the slot arrays. */
  readonly bytes: number;

  private constructor(v4: StrideBuilder, v6: StrideBuilder, values: T[], size: { v4: number; v6: number }) {
    this.#v4 = v4.interleaved();
    this.#v6 = v6.interleaved();
    this.#values = Object.freeze(values);
    this.size = Object.freeze(size);
    this.bytes = 4 * (this.#v4.length + this.#v6.length);
  }

  /**
   * Builds a table from distinct prefixes. With `resolve`, each prefix's stored value is
   * `resolve(own, outer)`, where `outer` is the stored value of the longest shorter prefix that
   * contains it (undefined when none): this is how a match set carries the lists of its ancestors,
   * computed once here instead of on every lookup.
   */
  static build<T>(entries: ReadonlyArray<{ prefix: Prefix; value: T }>): OldPrefixTable<T>;
  static build<I, T>(entries: ReadonlyArray<{ prefix: Prefix; value: I }>, resolve: (own: I, outer: T | undefined) => T): OldPrefixTable<T>;
  static build<I, T>(entries: ReadonlyArray<{ prefix: Prefix; value: I }>, resolve?: (own: I, outer: T | undefined) => T): OldPrefixTable<T> {
    return runSteps(OldPrefixTable.steps(entries, resolve));
  }

  /** The build as steps of `chunk` prefixes, for a caller that serves requests in between. */
  static *steps<I, T>(
    entries: ReadonlyArray<{ prefix: Prefix; value: I }>,
    resolve?: (own: I, outer: T | undefined) => T,
    chunk = 4096,
  ): Generator<void, OldPrefixTable<T>> {
    // Shorter prefixes first: every insert then overwrites only slots of shorter prefixes, and
    // the table built so far answers "the longest shorter prefix around this one".
    const sorted = entries.slice().sort((a, b) => a.prefix.bits - b.prefix.bits);
    const v4 = new StrideBuilder(V4_WIDE_UNTIL);
    const v6 = new StrideBuilder(V6_WIDE_UNTIL);
    const values: T[] = [];
    const seen = new Set<string>();
    const size = { v4: 0, v6: 0 };
    const words = [0, 0, 0, 0];
    let n = 0;
    for (const { prefix, value } of sorted) {
      if (++n % chunk === 0) yield;
      const key = prefix.key;
      if (seen.has(key)) throw new Error(`PrefixTable.build: duplicate prefix ${prefix.toString()}`);
      seen.add(key);
      const a = prefix.addr;
      words[0] = a.w0;
      words[1] = a.w1;
      words[2] = a.w2;
      words[3] = a.w3;
      const table = a.version === 4 ? v4 : v6;
      let stored: T;
      if (resolve) {
        const outerId = table.lookup(words);
        stored = resolve(value, outerId === 0 ? undefined : values[outerId - 1]);
      } else {
        stored = value as unknown as T;
      }
      values.push(stored);
      table.insert(words, prefix.bits, values.length);
      if (a.version === 4) size.v4++;
      else size.v6++;
    }
    return new OldPrefixTable(v4, v6, values, size);
  }

  /** The value of the longest prefix that holds addr, or undefined. */
  longestMatch(addr: AddrWords): T | undefined {
    const id = addr.version === 4 ? this.#lookup4(addr.w0) : this.#lookup6(addr);
    return id === 0 ? undefined : this.#values[id - 1];
  }

  #lookup4(a: number): number {
    const t = this.#v4;
    let slot = (a >>> 16) << 1;
    let best = t[slot]!;
    let base = t[slot + 1]!;
    if (base === 0) return best;
    slot = (base + ((a >>> 8) & 255)) << 1;
    if (t[slot] !== 0) best = t[slot]!;
    base = t[slot + 1]!;
    if (base === 0) return best;
    // Below /24 nodes take 4 bits: /25-/32 prefixes are many and sparse.
    slot = (base + ((a >>> 4) & 15)) << 1;
    if (t[slot] !== 0) best = t[slot]!;
    base = t[slot + 1]!;
    if (base === 0) return best;
    slot = (base + (a & 15)) << 1;
    if (t[slot] !== 0) best = t[slot]!;
    return best;
  }

  #lookup6(addr: AddrWords): number {
    const t = this.#v6;
    let slot = (addr.w0 >>> 16) << 1;
    let best = t[slot]!;
    let base = t[slot + 1]!;
    // 8-bit steps to V6_WIDE_UNTIL (bits 16..47 lie in w0 and w1), then 4-bit steps.
    let o = 16;
    while (base !== 0 && o < V6_WIDE_UNTIL) {
      const w = o < 32 ? addr.w0 : addr.w1;
      slot = (base + ((w >>> (24 - (o & 31))) & 255)) << 1;
      const v = t[slot]!;
      if (v !== 0) best = v;
      base = t[slot + 1]!;
      o += 8;
    }
    let w = o < 64 ? addr.w1 : o < 96 ? addr.w2 : addr.w3;
    while (base !== 0) {
      if ((o & 31) === 0) w = o === 64 ? addr.w2 : addr.w3;
      slot = (base + ((w >>> (28 - (o & 31))) & 15)) << 1;
      const v = t[slot]!;
      if (v !== 0) best = v;
      base = t[slot + 1]!;
      o += 4;
    }
    return best;
  }
}

const ROOT_BITS = 16;
/** Bit offset up to which nodes take 8 bits; 4 bits after it. */
const V4_WIDE_UNTIL = 24;
const V6_WIDE_UNTIL = 48;

/** The growable form used while building: Int32Arrays doubled as nodes are added, trimmed by PrefixTable. */
class StrideBuilder {
  /** [value id, child offset] per slot, the layout PrefixTable keeps, grown by doubling. */
  slots: Int32Array = new Int32Array(2 << ROOT_BITS);
  /** Slots in use: the root, then one node after another. */
  length = 1 << ROOT_BITS;
  readonly #wideUntil: number;

  constructor(wideUntil: number) {
    this.#wideUntil = wideUntil;
  }

  #stride(o: number): number {
    return o < this.#wideUntil ? 8 : 4;
  }

  #chunk(words: number[], o: number, stride: number): number {
    return (words[o >>> 5]! >>> (32 - stride - (o & 31))) & ((1 << stride) - 1);
  }

  #newNode(size: number): number {
    const base = this.length;
    if ((base + size) * 2 > this.slots.length) {
      const grown = new Int32Array(Math.max(this.slots.length * 2, (base + size) * 2));
      grown.set(this.slots);
      this.slots = grown;
    }
    this.length += size;
    return base;
  }

  #fill(id: number, from: number, to: number): void {
    const t = this.slots;
    for (let i = from; i < to; i++) t[2 * i] = id;
  }

  insert(words: number[], bits: number, id: number): void {
    if (bits <= ROOT_BITS) {
      const start = words[0]! >>> (32 - ROOT_BITS);
      this.#fill(id, start, start + (1 << (ROOT_BITS - bits)));
      return;
    }
    let slot = words[0]! >>> (32 - ROOT_BITS);
    let o = ROOT_BITS;
    for (;;) {
      const stride = this.#stride(o);
      let base = this.slots[2 * slot + 1]!;
      if (base === 0) {
        base = this.#newNode(1 << stride);
        this.slots[2 * slot + 1] = base;
      }
      const chunk = this.#chunk(words, o, stride);
      if (bits <= o + stride) {
        const start = base + chunk;
        this.#fill(id, start, start + (1 << (o + stride - bits)));
        return;
      }
      slot = base + chunk;
      o += stride;
    }
  }

  /** The frozen form: exactly the slots in use. */
  interleaved(): Int32Array {
    const out = this.slots.slice(0, this.length * 2);
    this.slots = new Int32Array(0);
    return out;
  }

  lookup(words: number[]): number {
    const t = this.slots;
    let slot = words[0]! >>> (32 - ROOT_BITS);
    let best = t[2 * slot]!;
    let base = t[2 * slot + 1]!;
    let o = ROOT_BITS;
    while (base !== 0) {
      const stride = this.#stride(o);
      slot = base + this.#chunk(words, o, stride);
      if (t[2 * slot] !== 0) best = t[2 * slot]!;
      base = t[2 * slot + 1]!;
      o += stride;
    }
    return best;
  }
}
