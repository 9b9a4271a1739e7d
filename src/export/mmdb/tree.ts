// The MaxMind DB search tree: a binary trie over 128 bits, IPv4 at ::/96 and aliased from ::ffff:0:0/96, serialised in 24-, 28- or 32-bit records.

/**
 * A record while building: EMPTY, a node index (>= 0), or a data record as -(2 + offset in the
 * data section). Int32 arrays: the real lists need about a million nodes, and typed arrays keep
 * that to 8 bytes a node instead of an object each.
 */
const EMPTY = -1;
const dataRecord = (offset: number) => -2 - offset;
const isData = (r: number) => r <= -2;
const offsetOf = (r: number) => -2 - r;

/** The 128 bits of a position as four 32-bit words, most significant first. */
export type Words = readonly [number, number, number, number];

export class TreeBuilder {
  #left = new Int32Array(1 << 16);
  #right = new Int32Array(1 << 16);
  #count = 1;

  constructor() {
    this.#left[0] = EMPTY;
    this.#right[0] = EMPTY;
  }

  #node(): number {
    if (this.#count === this.#left.length) {
      const l = new Int32Array(this.#left.length * 2);
      const r = new Int32Array(this.#right.length * 2);
      l.set(this.#left);
      r.set(this.#right);
      this.#left = l;
      this.#right = r;
    }
    const n = this.#count++;
    this.#left[n] = EMPTY;
    this.#right[n] = EMPTY;
    return n;
  }

  #get(node: number, bit: number): number {
    return bit ? this.#right[node]! : this.#left[node]!;
  }

  #set(node: number, bit: number, r: number): void {
    if (bit) this.#right[node] = r;
    else this.#left[node] = r;
  }

  /**
   * The node at the end of the first `depth` bits of `w`, made where missing. A data record met
   * on the way is pushed down (both halves get it), so later writes below it split it correctly.
   */
  #walk(w: Words, depth: number): number {
    let node = 0;
    for (let d = 0; d < depth; d++) {
      const bit = (w[d >> 5]! >>> (31 - (d & 31))) & 1;
      let next = this.#get(node, bit);
      if (next < 0) {
        const n = this.#node();
        this.#left[n] = next;
        this.#right[n] = next;
        this.#set(node, bit, n);
        next = n;
      }
      node = next;
    }
    return node;
  }

  /** Writes a data record for the block of `bits` bits at `w` (blocks must not overlap one already written). */
  insert(w: Words, bits: number, dataOffset: number): void {
    if (bits === 0) throw new RangeError('a block of the whole address space cannot be a record');
    const parent = this.#walk(w, bits - 1);
    const d = bits - 1;
    this.#set(parent, (w[d >> 5]! >>> (31 - (d & 31))) & 1, dataRecord(dataOffset));
  }

  /** The record in the place of the block of `bits` bits at `w`: a node, data or EMPTY (whatever covers it). */
  recordAt(w: Words, bits: number): number {
    let r = 0;
    for (let d = 0; d < bits; d++) {
      if (r < 0) return r;
      r = this.#get(r, (w[d >> 5]! >>> (31 - (d & 31))) & 1);
    }
    return r;
  }

  /** Puts a record in the place of a block (what the IPv4 aliases use: one subtree, two parents). */
  link(w: Words, bits: number, record: number): void {
    const parent = this.#walk(w, bits - 1);
    const d = bits - 1;
    this.#set(parent, (w[d >> 5]! >>> (31 - (d & 31))) & 1, record);
  }

  /**
   * The tree as the file's search section: nodes renumbered in breadth-first order from the root
   * (node 0, as the spec requires; a deterministic order, so the same input gives the same bytes),
   * records sized for `node_count + 16 + dataSize`.
   */
  serialise(dataSize: number): { bytes: Buffer; nodeCount: number; recordSize: 24 | 28 | 32 } {
    const ids = new Int32Array(this.#count).fill(-1);
    const order: number[] = [0];
    ids[0] = 0;
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      for (const r of [this.#left[n]!, this.#right[n]!]) {
        if (r >= 0 && ids[r] === -1) {
          ids[r] = order.length;
          order.push(r);
        }
      }
    }
    const nodeCount = order.length;
    const max = nodeCount + 16 + dataSize;
    const recordSize = max < 2 ** 24 ? 24 : max < 2 ** 28 ? 28 : 32;
    const value = (r: number) => (r === EMPTY ? nodeCount : isData(r) ? nodeCount + 16 + offsetOf(r) : ids[r]!);
    const nodeBytes = recordSize / 4;
    const out = Buffer.alloc(nodeCount * nodeBytes);
    for (let i = 0; i < nodeCount; i++) {
      const n = order[i]!;
      const l = value(this.#left[n]!);
      const r = value(this.#right[n]!);
      const at = i * nodeBytes;
      if (recordSize === 24) {
        out.writeUIntBE(l, at, 3);
        out.writeUIntBE(r, at + 3, 3);
      } else if (recordSize === 28) {
        // The middle byte: the left record's high nibble, then the right record's.
        out.writeUIntBE(l & 0xffffff, at, 3);
        out[at + 3] = ((l >>> 24) << 4) | (r >>> 24);
        out.writeUIntBE(r & 0xffffff, at + 4, 3);
      } else {
        out.writeUInt32BE(l, at);
        out.writeUInt32BE(r, at + 4);
      }
    }
    return { bytes: out, nodeCount, recordSize };
  }
}
