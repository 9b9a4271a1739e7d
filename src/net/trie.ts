// PrefixTable: an immutable longest-prefix-match table over IPv4 and IPv6 prefixes, built once.
import type { AddrWords } from './addr.js';
import type { Prefix } from './prefix.js';
import { runSteps } from './steps.js';

/**
 * A leaf-pushed multibit trie of 8-bit nodes whose children and leaves are packed densely and
 * found by popcount (poptrie, Asai & Ohara 2015; the same idea as Go's bart). IPv4 and IPv6 share
 * the node layout and one Int32Array; IPv6 takes at most 16 steps, IPv4 one read of a direct
 * /16 index then at most 2 steps.
 *
 * A node is NODE_WORDS (22) 32-bit words, 88 bytes:
 *   [0]      word offset of the first child (siblings are contiguous, NODE_WORDS apart);
 *   [1]      index of the node's first leaf in the leaf array;
 *   [2..3]   child counts before each 32-slot group, one byte per group (at most 224 fit a byte);
 *   [4..5]   leaf counts before each group, the same way;
 *   [6..21]  per group g, at 6 + 2g: the child bitmap word (bit s & 31 of slot s, the slot being
 *            the next 8 address bits, set when a node lies below), then the leaf bitmap word (bit
 *            set when the slot starts a run of equal leaves; slots with a child are skipped).
 * A leaf is a value id (0: none). Leaf pushing copies each prefix's value down into the slots and
 * nodes it covers, so a lookup stops at the first slot without a child and never tracks a "best
 * so far"; the run-length leaf bitmap keeps those copies to one leaf per run. A child that would
 * hold a single prefix is instead a lone-prefix record of the same size (its words, length, value
 * and the value pushed from above): sparse IPv6 prefixes then take one step, not a chain of nodes.
 *
 * Lookups take an unmapped Addr: an IPv4-mapped IPv6 address is parsed as IPv4 (addr.ts), so it
 * is found in the IPv4 table. A miss returns undefined. The table is immutable after build, so it
 * is safe to share across requests; a reload builds a new table and swaps one reference.
 */
export class PrefixTable<T> {
  readonly #nodes: Int32Array;
  readonly #leaves: Int32Array;
  /**
   * The IPv4 walk's first two steps done for each /16 (direct pointing, as poptrie's): a node or
   * lone-prefix offset, or ~id for a leaf. 256 KiB that skip two dependent steps per lookup.
   */
  readonly #v4by16: Int32Array;
  readonly #values: readonly T[];
  /** Distinct prefixes per family. */
  readonly size: { readonly v4: number; readonly v6: number };
  /** Bytes held by the node and leaf arrays. */
  readonly bytes: number;

  private constructor(nodes: Int32Array, leaves: Int32Array, values: T[], size: { v4: number; v6: number }) {
    this.#nodes = nodes;
    this.#leaves = leaves;
    this.#v4by16 = new Int32Array(1 << 16);
    for (let x = 0; x < 1 << 16; x++) {
      let n = 0;
      let entry = 0;
      for (let shift = 8; shift >= 0; shift -= 8) {
        const s = (x >>> shift) & 255;
        const next = step(nodes, n, s);
        if (next < 0) {
          entry = ~leaves[leafIndex(nodes, n, s)]!;
          break;
        }
        entry = next;
        if (nodes[next + FIRST_LEAF]! < 0) break;
        n = next;
      }
      this.#v4by16[x] = entry;
    }
    this.#values = Object.freeze(values);
    this.size = Object.freeze(size);
    this.bytes = 4 * (nodes.length + leaves.length + this.#v4by16.length);
  }

  /**
   * Builds a table from distinct prefixes. With `resolve`, each prefix's stored value is
   * `resolve(own, outer)`, where `outer` is the stored value of the longest shorter prefix that
   * contains it (undefined when none): this is how a match set carries the lists of its ancestors,
   * computed once here instead of on every lookup.
   */
  static build<T>(entries: ReadonlyArray<{ prefix: Prefix; value: T }>): PrefixTable<T>;
  static build<I, T>(entries: ReadonlyArray<{ prefix: Prefix; value: I }>, resolve: (own: I, outer: T | undefined) => T): PrefixTable<T>;
  static build<I, T>(entries: ReadonlyArray<{ prefix: Prefix; value: I }>, resolve?: (own: I, outer: T | undefined) => T): PrefixTable<T> {
    return runSteps(PrefixTable.steps(entries, resolve));
  }

  /** The build as steps of `chunk` prefixes, for a caller that serves requests in between. */
  static *steps<I, T>(
    entries: ReadonlyArray<{ prefix: Prefix; value: I }>,
    resolve?: (own: I, outer: T | undefined) => T,
    chunk = 4096,
  ): Generator<void, PrefixTable<T>> {
    const source: PrefixSource<I> = {
      count: entries.length,
      version: (i) => entries[i]!.prefix.addr.version,
      bits: (i) => entries[i]!.prefix.bits,
      word: (i, k) => entries[i]!.prefix.addr.word(k),
      value: (i) => entries[i]!.value,
      describe: (i) => entries[i]!.prefix.toString(),
    };
    return yield* PrefixTable.#steps(source, resolve, chunk);
  }

  /**
   * The same table from prefixes held in typed arrays (PackedPrefixes): no Prefix object per
   * entry, so a million prefixes (a range set's CIDR cover) cost their 18 bytes each while the
   * table is built, not a few hundred (bench/table.ts).
   */
  static fromPacked<T>(p: PackedPrefixes, valueOf: (i: number) => T): PrefixTable<T> {
    const source: PrefixSource<T> = {
      count: p.count,
      version: (i) => (p.versions[i] === 4 ? 4 : 6),
      bits: (i) => p.bits[i]!,
      word: (i, k) => p.words[4 * i + k]!,
      value: valueOf,
      describe: (i) =>
        `${p.versions[i] === 4 ? 'IPv4' : 'IPv6'} ${Array.from(p.words.subarray(4 * i, 4 * i + 4), (w) => w.toString(16)).join(':')}/${p.bits[i]}`,
    };
    return runSteps(PrefixTable.#steps<T, T>(source, undefined, 1 << 30, true));
  }

  /**
   * With `intern`, equal values (by identity) share one id: a range set's million prefixes then
   * reference its few thousand values, and equal neighbours make one leaf run. Without it every
   * prefix has its own id, as `resolve` needs (it reads the value stored for the enclosing prefix).
   */
  static *#steps<I, T>(
    src: PrefixSource<I>,
    resolve: ((own: I, outer: T | undefined) => T) | undefined,
    chunk: number,
    intern = false,
  ): Generator<void, PrefixTable<T>> {
    const ids = intern ? new Map<T, number>() : null;
    const v4 = Family.of(src, 4);
    const v6 = Family.of(src, 6);
    // No yield before `chunk` prefixes: a small table is built within one turn, as callers expect.
    // Resolve in address order: an enclosing prefix sorts before the ones inside it, so a stack of
    // the open enclosing prefixes gives each one its outer value without a table to ask.
    const values: T[] = [];
    let n = 0;
    for (const f of [v4, v6]) {
      const stack: number[] = [];
      for (let i = 0; i < f.n; i++) {
        if (++n % chunk === 0) yield;
        if (i > 0 && f.same(i - 1, i)) throw new Error(`PrefixTable.build: duplicate prefix ${src.describe(f.entry[i]!)}`);
        while (stack.length > 0 && !f.contains(stack[stack.length - 1]!, i)) stack.pop();
        const own = src.value(f.entry[i]!);
        let stored: T;
        if (resolve) {
          const outer = stack.length > 0 ? values[f.id[stack[stack.length - 1]!]! - 1] : undefined;
          stored = resolve(own, outer);
        } else {
          stored = own as unknown as T;
        }
        let id = ids?.get(stored);
        if (id === undefined) {
          values.push(stored);
          id = values.length;
          ids?.set(stored, id);
        }
        f.id[i] = id;
        stack.push(i);
      }
    }
    const b = new NodeBuilder();
    yield* b.build(v4, v6, chunk);
    return new PrefixTable(b.nodes(), b.leaves(), values, { v4: v4.n, v6: v6.n });
  }

  /**
   * The table's arrays, for a cache file: a table costing seconds to build (a million prefixes
   * of range data) is then read back in milliseconds. Values are the caller's to write; `values`
   * gives them in id order.
   */
  arrays(): { nodes: Int32Array; leaves: Int32Array; values: readonly T[]; size: { v4: number; v6: number } } {
    return { nodes: this.#nodes, leaves: this.#leaves, values: this.#values, size: this.size };
  }

  /**
   * A table from arrays() read back. The arrays are checked to be a table (every child offset
   * inside the nodes, every leaf id a value, every walk ending within 16 steps), so a damaged
   * file is refused here rather than answering wrong or never returning.
   */
  static fromArrays<T>(nodes: Int32Array, leaves: Int32Array, values: readonly T[], size: { v4: number; v6: number }): PrefixTable<T> | string {
    const bad = checkArrays(nodes, leaves, values.length);
    if (bad !== null) return bad;
    return new PrefixTable(nodes, leaves, [...values], { v4: size.v4, v6: size.v6 });
  }

  /** The value of the longest prefix that holds addr, or undefined. */
  longestMatch(addr: AddrWords): T | undefined {
    const id = addr.version === 4 ? this.#lookup4(addr.w0) : this.#lookup6(addr);
    return id === 0 ? undefined : this.#values[id - 1];
  }

  #lookup4(a: number): number {
    const t = this.#nodes;
    let n = this.#v4by16[a >>> 16]!;
    if (n < 0) return ~n;
    if (t[n + FIRST_LEAF]! < 0) return ((a ^ t[n + LONE_WORDS]!) & maskOf(t[n + LONE_BITS]!)) === 0 ? t[n + LONE_ID]! : t[n + LONE_ELSE]!;
    for (let shift = 8; ; shift -= 8) {
      const s = (a >>> shift) & 255;
      const next = step(t, n, s);
      if (next < 0) return this.#leaves[leafIndex(t, n, s)]!;
      if (t[next + FIRST_LEAF]! < 0) return ((a ^ t[next + LONE_WORDS]!) & maskOf(t[next + LONE_BITS]!)) === 0 ? t[next + LONE_ID]! : t[next + LONE_ELSE]!;
      n = next;
    }
  }

  #lookup6(addr: AddrWords): number {
    const t = this.#nodes;
    let n = NODE_WORDS;
    let w = addr.w0;
    for (let o = 0; ; o += 8) {
      if ((o & 31) === 0 && o > 0) w = o === 32 ? addr.w1 : o === 64 ? addr.w2 : addr.w3;
      const s = (w >>> (24 - (o & 31))) & 255;
      const next = step(t, n, s);
      if (next < 0) return this.#leaves[leafIndex(t, n, s)]!;
      if (t[next + FIRST_LEAF]! < 0) return matches6(t, next, addr) ? t[next + LONE_ID]! : t[next + LONE_ELSE]!;
      n = next;
    }
  }
}

/** Why arrays are not a table (fromArrays), or null: a walk over every node from both roots. */
function checkArrays(nodes: Int32Array, leaves: Int32Array, values: number): string | null {
  if (nodes.length < 2 * NODE_WORDS || nodes.length % NODE_WORDS !== 0) return 'node array of a wrong length';
  for (let i = 0; i < leaves.length; i++) if (leaves[i]! < 0 || leaves[i]! > values) return `leaf ${i} names no value`;
  const lone = (r: number): string | null => {
    const id = nodes[r + LONE_ID]!;
    const other = nodes[r + LONE_ELSE]!;
    const bits = nodes[r + LONE_BITS]!;
    if (id < 1 || id > values || other < 0 || other > values || bits < 0 || bits > 128) return `lone prefix at ${r} is damaged`;
    return null;
  };
  // Depth-first from the IPv4 root (0) and the IPv6 root (NODE_WORDS); a node deeper than 16 is a loop.
  const stack: Array<[number, number]> = [
    [0, 0],
    [NODE_WORDS, 0],
  ];
  let seen = 0;
  while (stack.length > 0) {
    const [n, depth] = stack.pop()!;
    if (++seen > nodes.length / NODE_WORDS) return 'a node is reached twice';
    if (depth >= 16) return 'a walk deeper than 16 steps';
    let children = 0;
    let leafCount = 0;
    for (let g = 0; g < 8; g++) {
      if (countBefore(nodes, n + CHILD_COUNTS, g) !== children || countBefore(nodes, n + LEAF_COUNTS, g) !== leafCount)
        return `node ${n}: counts do not match its bitmaps`;
      children += popcount(nodes[n + BITMAPS + 2 * g]!);
      leafCount += popcount(nodes[n + BITMAPS + 2 * g + 1]!);
    }
    const first = nodes[n + FIRST_CHILD]!;
    const firstLeaf = nodes[n + FIRST_LEAF]!;
    if (firstLeaf < 0 || firstLeaf + leafCount > leaves.length) return `node ${n}: leaves out of range`;
    if (children > 0 && (first <= n || first % NODE_WORDS !== 0 || first + children * NODE_WORDS > nodes.length)) return `node ${n}: children out of range`;
    for (let c = 0; c < children; c++) {
      const at = first + c * NODE_WORDS;
      if (nodes[at + FIRST_LEAF]! < 0) {
        const why = lone(at);
        if (why !== null) return why;
      } else stack.push([at, depth + 1]);
    }
  }
  return null;
}

/** Prefixes in typed arrays: per entry its version, length and four address words (IPv4: w0 only). */
export interface PackedPrefixes {
  readonly count: number;
  readonly versions: Uint8Array;
  readonly bits: Uint8Array;
  readonly words: Uint32Array;
}

/** What a build reads of its input, whichever way the input is held. */
interface PrefixSource<I> {
  readonly count: number;
  version(i: number): 4 | 6;
  bits(i: number): number;
  word(i: number, k: number): number;
  value(i: number): I;
  describe(i: number): string;
}

const NODE_WORDS = 22;
// The header first and each group's two bitmap words side by side: a step reads the header and
// one pair, 32 bytes of a node, so most steps touch one cache line.
const FIRST_CHILD = 0;
const FIRST_LEAF = 1;
const CHILD_COUNTS = 2;
const LEAF_COUNTS = 4;
/** Group g's child bitmap word is at BITMAPS + 2g, its leaf bitmap word right after it. */
const BITMAPS = 6;
// A lone prefix below a slot takes a node's place instead of a chain of nodes (path compression,
// as bart's fringes): FIRST_LEAF -1 marks it, its words are at LONE_WORDS..+3, then the rest.
const LONE_WORDS = 2;
const LONE_BITS = 6;
const LONE_ID = 7;
/** The pushed value: what the slot's addresses outside the lone prefix get. */
const LONE_ELSE = 8;

/** The mask of the first `bits` bits of a word (bits ≥ 1; 32 and more: all). */
function maskOf(bits: number): number {
  return bits >= 32 ? -1 : ~(-1 >>> bits);
}

/** Whether addr lies inside the lone IPv6 prefix at r. */
function matches6(t: Int32Array, r: number, addr: AddrWords): boolean {
  const bits = t[r + LONE_BITS]!;
  const w = r + LONE_WORDS;
  if (((addr.w0 ^ t[w]!) & maskOf(bits)) !== 0) return false;
  if (bits <= 32) return true;
  if (((addr.w1 ^ t[w + 1]!) & maskOf(bits - 32)) !== 0) return false;
  if (bits <= 64) return true;
  if (((addr.w2 ^ t[w + 2]!) & maskOf(bits - 64)) !== 0) return false;
  return bits <= 96 || ((addr.w3 ^ t[w + 3]!) & maskOf(bits - 96)) === 0;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The count byte of group g in the two count words at t[at], t[at + 1]. */
function countBefore(t: Int32Array, at: number, g: number): number {
  return (t[at + (g >>> 2)]! >>> ((g & 3) << 3)) & 255;
}

/** The word offset of the child of slot s of node n, or -1 when the slot holds a leaf. */
function step(t: Int32Array, n: number, s: number): number {
  const g = s >>> 5;
  const bit = 1 << (s & 31);
  const word = t[n + BITMAPS + 2 * g]!;
  if ((word & bit) === 0) return -1;
  return t[n + FIRST_CHILD]! + (countBefore(t, n + CHILD_COUNTS, g) + popcount(word & (bit - 1))) * NODE_WORDS;
}

/** The leaf index of slot s of node n (a slot without a child): its run's leaf. */
function leafIndex(t: Int32Array, n: number, s: number): number {
  const g = s >>> 5;
  // (2 << 31) - 1 is -1 in 32-bit arithmetic: every bit, as slot 31 of a group needs.
  const word = t[n + BITMAPS + 2 * g + 1]! & ((2 << (s & 31)) - 1);
  return t[n + FIRST_LEAF]! + countBefore(t, n + LEAF_COUNTS, g) + popcount(word) - 1;
}

/** One family's prefixes in address order (shorter first at the same address), as typed arrays. */
class Family {
  /** Address words per prefix: 1 for IPv4, 4 for IPv6. */
  readonly per: number;
  readonly n: number;
  readonly words: Uint32Array;
  readonly bits: Uint8Array;
  /** The index in `entries` of each sorted prefix. */
  readonly entry: Uint32Array;
  /** The value id stored for each sorted prefix (its index in the values, plus one). */
  readonly id: Int32Array;

  private constructor(per: number, n: number) {
    this.per = per;
    this.n = n;
    this.words = new Uint32Array(n * per);
    this.bits = new Uint8Array(n);
    this.entry = new Uint32Array(n);
    this.id = new Int32Array(n);
  }

  static of(src: PrefixSource<unknown>, version: 4 | 6): Family {
    const picked: number[] = [];
    for (let i = 0; i < src.count; i++) if (src.version(i) === version) picked.push(i);
    const order = Uint32Array.from(picked);
    const per = version === 4 ? 1 : 4;
    // The words and lengths in input order first: the sort then reads typed arrays, not the source.
    const words = new Uint32Array(src.count * per);
    const bits = new Uint8Array(src.count);
    for (const i of picked) {
      bits[i] = src.bits(i);
      for (let k = 0; k < per; k++) words[i * per + k] = src.word(i, k);
    }
    if (version === 4) {
      // One number per prefix (address × 64 + length, exact below 2^53) keeps the sort cheap.
      const key = new Float64Array(src.count);
      for (const i of picked) key[i] = words[i]! * 64 + bits[i]!;
      order.sort((a, b) => key[a]! - key[b]!);
    } else {
      order.sort((a, b) => {
        const p = 4 * a;
        const q = 4 * b;
        return words[p]! - words[q]! || words[p + 1]! - words[q + 1]! || words[p + 2]! - words[q + 2]! || words[p + 3]! - words[q + 3]! || bits[a]! - bits[b]!;
      });
    }
    const f = new Family(per, order.length);
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      f.entry[i] = e;
      f.bits[i] = bits[e]!;
      for (let k = 0; k < per; k++) f.words[i * per + k] = words[e * per + k]!;
    }
    return f;
  }

  same(i: number, j: number): boolean {
    if (this.bits[i] !== this.bits[j]) return false;
    for (let k = 0; k < this.per; k++) if (this.words[i * this.per + k] !== this.words[j * this.per + k]) return false;
    return true;
  }

  /** Whether prefix i strictly contains prefix j. */
  contains(i: number, j: number): boolean {
    let rest = this.bits[i]!;
    if (rest >= this.bits[j]!) return false;
    for (let k = 0; k < this.per && rest > 0; k++, rest -= 32) {
      const mask = rest >= 32 ? 0xffffffff : ~(0xffffffff >>> rest);
      if (((this.words[i * this.per + k]! ^ this.words[j * this.per + k]!) & mask) !== 0) return false;
    }
    return true;
  }

  /** The 8 address bits of prefix i at node depth d. */
  slot(i: number, d: number): number {
    return (this.words[i * this.per + (d >>> 2)]! >>> (24 - ((d & 3) << 3))) & 255;
  }
}

/**
 * Builds the nodes depth-first from the sorted prefixes: a node's prefixes are a contiguous run
 * of its family, and so are those of each child, so no mutable trie is ever held (at a million
 * prefixes a 256-slot builder node per node would take hundreds of MB).
 */
class NodeBuilder {
  #nodes = new Int32Array(NODE_WORDS * 1024);
  #nodeLength = 0;
  #leaves = new Int32Array(4096);
  #leafLength = 0;
  /** The leaf of each slot of the node being built, pushed values included. */
  readonly #slots = new Int32Array(256);
  readonly #hasChild = new Uint8Array(256);
  readonly #childFrom = new Int32Array(256);
  readonly #childTo = new Int32Array(256);

  *build(v4: Family, v6: Family, chunk: number): Generator<void, void> {
    this.#alloc(2);
    // Work items: [family, node offset, depth, first prefix, end, pushed value id].
    const work: Array<[Family, number, number, number, number, number]> = [
      [v6, NODE_WORDS, 0, 0, v6.n, 0],
      [v4, 0, 0, 0, v4.n, 0],
    ];
    let done = 0;
    let next = chunk;
    for (let item = work.pop(); item !== undefined; item = work.pop()) {
      done += this.#node(item[0], item[1], item[2], item[3], item[4], item[5], work);
      if (done >= next) {
        next = done + chunk;
        yield;
      }
    }
  }

  #alloc(count: number): number {
    const at = this.#nodeLength;
    const need = at + count * NODE_WORDS;
    if (need > this.#nodes.length) {
      const grown = new Int32Array(Math.max(this.#nodes.length * 2, need));
      grown.set(this.#nodes.subarray(0, at));
      this.#nodes = grown;
    }
    this.#nodeLength = need;
    return at;
  }

  #leaf(id: number): void {
    if (this.#leafLength === this.#leaves.length) {
      const grown = new Int32Array(this.#leaves.length * 2);
      grown.set(this.#leaves);
      this.#leaves = grown;
    }
    this.#leaves[this.#leafLength++] = id;
  }

  /** Fills node n with prefixes [from, to) of f at depth d; queues its children; returns the prefixes placed. */
  #node(f: Family, n: number, d: number, from: number, to: number, pushed: number, work: Array<[Family, number, number, number, number, number]>): number {
    const slots = this.#slots;
    const hasChild = this.#hasChild;
    slots.fill(pushed);
    hasChild.fill(0);
    const end = 8 * d + 8;
    let placed = 0;
    let children = 0;
    // Address order puts a prefix before those inside it, so later fills are the longer ones.
    for (let i = from; i < to; i++) {
      const s = f.slot(i, d);
      const bits = f.bits[i]!;
      if (bits <= end) {
        const span = 1 << (end - bits);
        slots.fill(f.id[i]!, s, s + span);
        placed++;
      } else if (hasChild[s] === 0) {
        hasChild[s] = 1;
        this.#childFrom[s] = i;
        this.#childTo[s] = i + 1;
        children++;
      } else {
        this.#childTo[s] = i + 1;
      }
    }
    const firstChild = children > 0 ? this.#alloc(children) : 0;
    const nodes = this.#nodes; // #alloc may have grown the array
    let childCount = 0;
    let leafCount = 0;
    let prev = -1;
    nodes[n + FIRST_CHILD] = firstChild;
    nodes[n + FIRST_LEAF] = this.#leafLength;
    for (let g = 0; g < 8; g++) {
      let childWord = 0;
      let leafWord = 0;
      const at = g >>> 2;
      const shift = (g & 3) << 3;
      nodes[n + CHILD_COUNTS + at] = nodes[n + CHILD_COUNTS + at]! | (childCount << shift);
      nodes[n + LEAF_COUNTS + at] = nodes[n + LEAF_COUNTS + at]! | (leafCount << shift);
      for (let b = 0; b < 32; b++) {
        const s = (g << 5) | b;
        if (hasChild[s] !== 0) {
          childWord |= 1 << b;
          const at = firstChild + childCount * NODE_WORDS;
          const i = this.#childFrom[s]!;
          // A child's pushed value is this slot's leaf: the longest prefix here that covers it.
          if (this.#childTo[s] === i + 1) {
            for (let k = 0; k < f.per; k++) nodes[at + LONE_WORDS + k] = f.words[i * f.per + k]!;
            nodes[at + LONE_BITS] = f.bits[i]!;
            nodes[at + LONE_ID] = f.id[i]!;
            nodes[at + LONE_ELSE] = slots[s]!;
            nodes[at + FIRST_LEAF] = -1;
            placed++;
          } else {
            work.push([f, at, d + 1, i, this.#childTo[s]!, slots[s]!]);
          }
          childCount++;
        } else if (slots[s] !== prev) {
          leafWord |= 1 << b;
          prev = slots[s]!;
          this.#leaf(prev);
          leafCount++;
        }
      }
      nodes[n + BITMAPS + 2 * g] = childWord;
      nodes[n + BITMAPS + 2 * g + 1] = leafWord;
    }
    return placed;
  }

  nodes(): Int32Array {
    const out = this.#nodes.slice(0, this.#nodeLength);
    this.#nodes = new Int32Array(0);
    return out;
  }

  leaves(): Int32Array {
    const out = this.#leaves.slice(0, this.#leafLength);
    this.#leaves = new Int32Array(0);
    return out;
  }
}
