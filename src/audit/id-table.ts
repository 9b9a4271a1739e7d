// Dense ids for tuples of five small integers, in first-seen order: the audit's counting keys, with no object or string per key.

const EMPTY = -1;
const ARITY = 5;

/**
 * Gives each distinct (a, b, c, d, e) of 32-bit integers an id, 0, 1, 2… in the order first seen.
 * An open-addressing table of ids over a flat Int32Array of the tuples: a lookup hashes five
 * numbers and compares them, where a Map would need a key string made, hashed and kept.
 */
export class IdTable {
  #slots: Int32Array;
  #mask: number;
  #fields: Int32Array;
  #size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.#slots = new Int32Array(n).fill(EMPTY);
    this.#mask = n - 1;
    this.#fields = new Int32Array(capacity * ARITY);
  }

  /** How many distinct tuples: the next id. */
  get size(): number {
    return this.#size;
  }

  /** Field k (0–4) of tuple `id`. */
  field(id: number, k: number): number {
    return this.#fields[id * ARITY + k]!;
  }

  /** The id of (a, b, c, d, e), new if it was not seen: then it is `size - 1` after the call. */
  id(a: number, b: number, c: number, d: number, e: number): number {
    const f = this.#fields;
    let s = hash5(a, b, c, d, e) & this.#mask;
    for (;;) {
      const id = this.#slots[s]!;
      if (id === EMPTY) break;
      const o = id * ARITY;
      if (f[o] === a && f[o + 1] === b && f[o + 2] === c && f[o + 3] === d && f[o + 4] === e) return id;
      s = (s + 1) & this.#mask;
    }
    const id = this.#size++;
    if ((id + 1) * ARITY > f.length) this.#fields = grow(f, (id + 1) * ARITY);
    const o = id * ARITY;
    const g = this.#fields;
    g[o] = a;
    g[o + 1] = b;
    g[o + 2] = c;
    g[o + 3] = d;
    g[o + 4] = e;
    this.#slots[s] = id;
    // At most half full: probes stay short.
    if (this.#size * 2 > this.#slots.length) this.#rehash();
    return id;
  }

  #rehash(): void {
    const n = this.#slots.length * 2;
    const slots = new Int32Array(n).fill(EMPTY);
    this.#slots = slots;
    this.#mask = n - 1;
    const f = this.#fields;
    for (let id = 0; id < this.#size; id++) {
      const o = id * ARITY;
      this.#place(f[o]!, f[o + 1]!, f[o + 2]!, f[o + 3]!, f[o + 4]!, id);
    }
  }

  #place(a: number, b: number, c: number, d: number, e: number, id: number): void {
    let s = hash5(a, b, c, d, e) & this.#mask;
    while (this.#slots[s] !== EMPTY) s = (s + 1) & this.#mask;
    this.#slots[s] = id;
  }
}

function hash5(a: number, b: number, c: number, d: number, e: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (b >>> 15), 0x85ebca77);
  h = Math.imul(h ^ c, 0xc2b2ae3d) ^ Math.imul(d, 0x27d4eb2f);
  h = Math.imul(h ^ e ^ (h >>> 13), 0x165667b1);
  return h ^ (h >>> 16);
}

/** A copy of `a` with room for at least `need` elements (doubling: appends cost O(1) on average). */
export function grow<T extends Int32Array | Float64Array>(a: T, need: number): T {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  return resized(a, n);
}

/** A copy of `a` with exactly `n` elements: its first ones, then zeros. */
export function resized<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}

/**
 * Lays `length` items out by bucket, in order (a stable counting sort): `place(i, k)` is called
 * with each item and its slot k, and the result says where each bucket starts (starts[b] to
 * starts[b + 1] is bucket b; starts[buckets] is how many were placed). `bucketOf(i) < 0` leaves
 * item i out.
 */
export function layOutByBucket(buckets: number, length: number, bucketOf: (i: number) => number, place: (i: number, k: number) => void): Int32Array {
  const starts = new Int32Array(buckets + 1);
  for (let i = 0; i < length; i++) {
    const b = bucketOf(i);
    if (b >= 0) starts[b + 1]!++;
  }
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const next = starts.slice(0, buckets);
  for (let i = 0; i < length; i++) {
    const b = bucketOf(i);
    if (b >= 0) place(i, next[b]!++);
  }
  return starts;
}
