// The MaxMind DB data section: values encoded as the spec's typed fields, every repeated value written once and pointed to after.

/**
 * A value of the data section. Strings are utf8_string, numbers uint32 (the type MaxMind's own
 * databases use for `autonomous_system_number`, which every geoip reader decodes), booleans
 * boolean, arrays array and objects map. Metadata has typed numbers: see `Uint`.
 */
export type DataValue = string | number | boolean | Uint | readonly DataValue[] | { readonly [key: string]: DataValue };

/** A number with the width the metadata section wants (`record_size` is uint16, `build_epoch` uint64). */
export class Uint {
  constructor(
    readonly bits: 16 | 32 | 64,
    readonly value: bigint,
  ) {}
}

// Type numbers of the spec ("Output Data Section"); 8 and above are extended (control type 0, then type - 7).
const POINTER = 1;
const UTF8 = 2;
const UINT16 = 5;
const UINT32 = 6;
const MAP = 7;
const UINT64 = 9;
const ARRAY = 11;
const BOOLEAN = 14;

/** A growable byte buffer. */
class Bytes {
  buf = Buffer.alloc(1 << 16);
  length = 0;
  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Writes values into one data section. `add` returns the offset of a value; an equal value
 * added again (by content, not identity) returns the first one's offset, and inside a value every
 * string, array or map written before is a pointer to it: match maps, service arrays and keys are
 * shared by thousands of records, which is what keeps the real lists' database small.
 */
export class DataWriter {
  readonly #out = new Bytes();
  readonly #seen = new Map<string, number>();
  readonly #dedupe: boolean;

  /** `dedupe: false` for the metadata section: plain values, no pointers (a pointer there would be relative to the metadata's start). */
  constructor(opts: { dedupe?: boolean } = {}) {
    this.#dedupe = opts.dedupe ?? true;
  }

  get size(): number {
    return this.#out.length;
  }

  /** The value's offset in the section: written now, or where an equal value was written before. */
  add(value: DataValue): number {
    const key = keyOf(value);
    const at = this.#seen.get(key);
    if (at !== undefined) return at;
    const offset = this.#out.length;
    this.#write(value, key);
    return offset;
  }

  bytes(): Buffer {
    return this.#out.done();
  }

  #write(value: DataValue, key: string = keyOf(value)): void {
    if (this.#dedupe) {
      const at = this.#seen.get(key);
      // A pointer is 2 to 5 bytes: short strings (and empty arrays and maps) cost no more inline.
      if (at !== undefined && inlineSize(value) > pointerSize(at)) {
        this.#pointer(at);
        return;
      }
      if (at === undefined) this.#seen.set(key, this.#out.length);
    }
    const o = this.#out;
    if (typeof value === 'string') {
      const b = Buffer.from(value, 'utf8');
      this.#control(UTF8, b.length);
      o.bytes(b);
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a uint32: ${value}`);
      this.#uint(UINT32, BigInt(value));
    } else if (typeof value === 'boolean') {
      this.#control(BOOLEAN, value ? 1 : 0);
    } else if (value instanceof Uint) {
      this.#uint(value.bits === 16 ? UINT16 : value.bits === 32 ? UINT32 : UINT64, value.value);
    } else if (Array.isArray(value)) {
      const items = value as readonly DataValue[];
      this.#control(ARRAY, items.length);
      for (const v of items) this.#write(v);
    } else {
      const entries = Object.entries(value as { readonly [key: string]: DataValue });
      this.#control(MAP, entries.length);
      for (const [k, v] of entries) {
        this.#write(k);
        this.#write(v);
      }
    }
  }

  /** An unsigned integer: big-endian, leading zero bytes left out (zero is no bytes at all). */
  #uint(type: number, v: bigint): void {
    const bytes: number[] = [];
    for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
    this.#control(type, bytes.length);
    for (const b of bytes) this.#out.byte(b);
  }

  /** The control byte (type in the top 3 bits, size in the low 5), the extended type byte, then the size's extra bytes. */
  #control(type: number, size: number): void {
    const o = this.#out;
    const base = type <= 7 ? type << 5 : 0;
    const ext = type > 7 ? [type - 7] : [];
    if (size < 29) {
      o.byte(base | size);
      ext.forEach((b) => o.byte(b));
    } else if (size < 29 + 256) {
      o.byte(base | 29);
      ext.forEach((b) => o.byte(b));
      o.byte(size - 29);
    } else if (size < 285 + 65536) {
      const s = size - 285;
      o.byte(base | 30);
      ext.forEach((b) => o.byte(b));
      o.byte(s >> 8);
      o.byte(s & 0xff);
    } else {
      const s = size - 65821;
      if (s > 0xffffff) throw new RangeError(`value too large for the data section: ${size}`);
      o.byte(base | 31);
      ext.forEach((b) => o.byte(b));
      o.byte(s >> 16);
      o.byte((s >> 8) & 0xff);
      o.byte(s & 0xff);
    }
  }

  /** A pointer (type 1): its size bits pick 11, 19, 27 or 32 bits of offset, the longer ones biased. */
  #pointer(at: number): void {
    const o = this.#out;
    const p = POINTER << 5;
    if (at < 2048) {
      o.byte(p | (at >> 8));
      o.byte(at & 0xff);
    } else if (at < 526_336) {
      const v = at - 2048;
      o.byte(p | (1 << 3) | (v >> 16));
      o.byte((v >> 8) & 0xff);
      o.byte(v & 0xff);
    } else if (at < 134_744_064) {
      const v = at - 526_336;
      o.byte(p | (2 << 3) | (v >>> 24));
      o.byte((v >> 16) & 0xff);
      o.byte((v >> 8) & 0xff);
      o.byte(v & 0xff);
    } else {
      o.byte(p | (3 << 3));
      o.byte((at >>> 24) & 0xff);
      o.byte((at >> 16) & 0xff);
      o.byte((at >> 8) & 0xff);
      o.byte(at & 0xff);
    }
  }
}

function pointerSize(at: number): number {
  return at < 2048 ? 2 : at < 526_336 ? 3 : at < 134_744_064 ? 4 : 5;
}

/** A lower bound of a value's inline size: enough to tell when a pointer is no saving. */
function inlineSize(value: DataValue): number {
  if (typeof value === 'string') return 1 + Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.length === 0 ? 2 : 3;
  if (typeof value === 'object' && !(value instanceof Uint)) return Object.keys(value).length === 0 ? 1 : 3;
  return 1;
}

/** Equal content, equal key; the type is part of it (the string "1" is not the number 1). */
function keyOf(value: DataValue): string {
  return typeof value === 'string' ? `s${value}` : `j${JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint ? `u${v.bits}:${v.value}` : v))}`;
}
