// Addr: an immutable IPv4/IPv6 address value with strict, allocation-light parsing.

/**
 * An IP address, as the contract's Addresses section defines it.
 *
 * Representation: four unsigned 32-bit words in plain numbers (w0 most significant), not a
 * BigInt or a byte array, because every trie step is then one shift and mask on a small integer
 * (bench/parse.ts). An IPv4 address keeps its 32 bits in w0 and zeros elsewhere.
 *
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is unmapped at parse time: the value is the IPv4 address
 * with `mapped: true`, so every table lookup sees one address family per address.
 */
export class Addr {
  /** 4 or 6. */
  readonly version: 4 | 6;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  /** True when the text was an IPv4-mapped IPv6 address (the value is the IPv4 address). */
  readonly mapped: boolean;
  /** The IPv6 zone (`eth0` of `fe80::1%eth0`), '' when absent. Never part of the canonical text. */
  readonly zone: string;
  #text: string | undefined;

  private constructor(version: 4 | 6, w0: number, w1: number, w2: number, w3: number, mapped: boolean, zone: string, text: string | undefined) {
    this.version = version;
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
    this.mapped = mapped;
    this.zone = zone;
    this.#text = text;
  }

  /** @internal used by the parser and the factories below only. */
  static create(version: 4 | 6, w0: number, w1: number, w2: number, w3: number, mapped: boolean, zone: string, text?: string): Addr {
    return new Addr(version, w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0, mapped, zone, text);
  }

  /** Word i (0..3), most significant first. */
  word(i: number): number {
    return i === 0 ? this.w0 : i === 1 ? this.w1 : i === 2 ? this.w2 : this.w3;
  }

  /** Canonical text: dotted quad, or RFC 5952 lower-case compressed all-hex IPv6, no zone. */
  toString(): string {
    if (this.#text === undefined) this.#text = this.version === 4 ? formatV4(this.w0) : formatV6(this.w0, this.w1, this.w2, this.w3);
    return this.#text;
  }

  equals(o: Addr): boolean {
    return this.version === o.version && this.w0 === o.w0 && this.w1 === o.w1 && this.w2 === o.w2 && this.w3 === o.w3;
  }
}

/** The reason an input is not an address. A value, not a thrown Error: parsing is on the hot path. */
export class AddrParseError {
  readonly code: 'INVALID_ADDRESS' | 'NO_ADDRESS';
  readonly input: string;
  readonly reason: string;
  constructor(code: 'INVALID_ADDRESS' | 'NO_ADDRESS', input: string, reason: string) {
    this.code = code;
    this.input = input;
    this.reason = reason;
  }
  get message(): string {
    return `${JSON.stringify(this.input)}: ${this.reason}`;
  }
}

export function addrFrom4(a: number): Addr {
  return Addr.create(4, a, 0, 0, 0, false, '');
}

export function addrFrom6(w0: number, w1: number, w2: number, w3: number): Addr {
  return Addr.create(6, w0, w1, w2, w3, false, '');
}

/** The words of an address, as the trie reads them (an Addr, or the parser's scratch record). */
export interface AddrWords {
  readonly version: 4 | 6;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

/** The parser's output record, reused by every call: valid until the next parse. */
export interface ScratchAddr extends AddrWords {
  readonly mapped: boolean;
  readonly zone: string;
  /** The canonical text when parsing already has it (a dotted quad), else undefined. */
  readonly text: string | undefined;
}

const scratch = { version: 4 as 4 | 6, w0: 0, w1: 0, w2: 0, w3: 0, mapped: false, zone: '', text: undefined as string | undefined };

function setScratch(version: 4 | 6, w0: number, w1: number, w2: number, w3: number, mapped: boolean, zone: string, text: string | undefined): ScratchAddr {
  scratch.version = version;
  scratch.w0 = w0 >>> 0;
  scratch.w1 = w1 >>> 0;
  scratch.w2 = w2 >>> 0;
  scratch.w3 = w3 >>> 0;
  scratch.mapped = mapped;
  scratch.zone = zone;
  scratch.text = text;
  return scratch;
}

/** Parses an address strictly (contract, Addresses). Never throws. */
export function parseAddr(input: string): Addr | AddrParseError {
  const r = parseAddrScratch(input);
  if (r instanceof AddrParseError) return r;
  return Addr.create(r.version, r.w0, r.w1, r.w2, r.w3, r.mapped, r.zone, r.text);
}

/**
 * parseAddr without the Addr: the result is a shared record, overwritten by the next call. For
 * the per-lookup path, where the address is read once and dropped (bench/lookup.ts).
 */
export function parseAddrScratch(input: string): ScratchAddr | AddrParseError {
  let s = input;
  // trim() allocates only when there is something to trim.
  const c0 = s.charCodeAt(0);
  const cl = s.charCodeAt(s.length - 1);
  if (c0 <= 32 || cl <= 32 || c0 === 0xa0 || cl === 0xa0 || c0 === 0xfeff) s = s.trim();
  if (s.length === 0) return new AddrParseError('INVALID_ADDRESS', input, 'empty address');
  const first = s.charCodeAt(0);
  if (first === 37 /* % */ && s.charCodeAt(1) === 123 /* { */ && s.charCodeAt(s.length - 1) === 125 /* } */) {
    return new AddrParseError('NO_ADDRESS', input, 'unresolved Logstash field reference');
  }
  if (first === 91 /* [ */) {
    if (s.charCodeAt(s.length - 1) !== 93 /* ] */) return new AddrParseError('INVALID_ADDRESS', input, 'unclosed bracket');
    const inner = s.slice(1, -1);
    if (inner.indexOf(':') < 0) return new AddrParseError('INVALID_ADDRESS', input, 'brackets hold only IPv6 addresses');
    return parseV6WithZone(inner, input);
  }
  // A dotted quad is tried first: it fails on the first ':' of an IPv6 address.
  if (s.length <= 15) {
    const v = parseV4(s, 0, s.length);
    // A strictly parsed dotted quad is already canonical: keep the text, save the formatting.
    if (v >= 0) return setScratch(4, v, 0, 0, 0, false, '', s);
    if (s.indexOf(':') < 0) return v4Error(s, input, v);
  } else if (s.indexOf(':') < 0) {
    return v4Error(s, input, V4_CHAR);
  }
  const r = parseV6WithZone(s, input);
  if (r instanceof AddrParseError && s.indexOf('/') >= 0) return new AddrParseError('INVALID_ADDRESS', input, 'a CIDR prefix is not an address');
  return r;
}

/** The error of a text that is not a dotted quad and has no ':' (the error path: it may scan). */
function v4Error(s: string, input: string, code: number): AddrParseError {
  if (s.indexOf('/') >= 0) return new AddrParseError('INVALID_ADDRESS', input, 'a CIDR prefix is not an address');
  if (s.indexOf('%') >= 0) return new AddrParseError('INVALID_ADDRESS', input, 'a zone is only allowed on IPv6 addresses');
  if (code === V4_CHAR && s.length > 15) return new AddrParseError('INVALID_ADDRESS', input, 'not an IPv4 or IPv6 address');
  return new AddrParseError('INVALID_ADDRESS', input, v4Reason(code));
}

/** Parses or throws: for tests and built-in tables only. */
export function mustParseAddr(s: string): Addr {
  const a = parseAddr(s);
  if (a instanceof AddrParseError) throw new Error(`invalid address ${a.message}`);
  return a;
}

// Negative results of parseV4 name the reason without allocating.
const V4_FIELDS = -1;
const V4_EMPTY = -2;
const V4_LEADING_ZERO = -3;
const V4_RANGE = -4;
const V4_CHAR = -5;

function v4Reason(code: number): string {
  switch (code) {
    case V4_FIELDS:
      return 'IPv4 address needs exactly four fields';
    case V4_EMPTY:
      return 'IPv4 field must have at least one digit';
    case V4_LEADING_ZERO:
      return 'IPv4 field has octet with leading zero';
    case V4_RANGE:
      return 'IPv4 field has value >255';
    default:
      return 'unexpected character';
  }
}

/** Parses s[from, to) as a dotted quad (strict: no leading zero, each part at most 255); returns the 32-bit value or a negative reason code. */
export function parseV4(s: string, from: number, to: number): number {
  let value = 0;
  let fields = 0;
  let octet = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return V4_LEADING_ZERO;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return V4_RANGE;
      digits++;
    } else if (c === 46 /* . */) {
      if (digits === 0) return V4_EMPTY;
      if (fields === 3) return V4_FIELDS;
      value = value * 256 + octet;
      fields++;
      octet = 0;
      digits = 0;
    } else {
      return V4_CHAR;
    }
  }
  if (digits === 0) return fields === 3 ? V4_EMPTY : V4_FIELDS;
  if (fields !== 3) return V4_FIELDS;
  return value * 256 + octet;
}

function isZoneChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 126 || c === 45;
}

function parseV6WithZone(s: string, input: string): ScratchAddr | AddrParseError {
  let end = s.length;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === s.length - 1) return new AddrParseError('INVALID_ADDRESS', input, 'empty zone');
    for (let i = pct + 1; i < s.length; i++) {
      if (!isZoneChar(s.charCodeAt(i))) return new AddrParseError('INVALID_ADDRESS', input, 'invalid character in zone');
    }
    zone = s.slice(pct + 1);
    end = pct;
  }
  return parseV6(s, end, zone, input);
}

// Scratch space for the eight groups; parsing is synchronous, so one buffer serves every call.
const groups = new Uint16Array(8);

// Hex digit values by char code (-1: not a hex digit): one load per character instead of three ranges.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c;
for (let c = 0; c < 6; c++) HEX_VALUE[65 + c] = HEX_VALUE[97 + c] = 10 + c;

function parseV6(s: string, end: number, zone: string, input: string): ScratchAddr | AddrParseError {
  let n = 0; // groups written
  let ellipsis = -1; // group index where '::' stands
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    ellipsis = 0;
    i = 2;
    if (end === 2) {
      groups.fill(0);
      return finishV6(zone, zone === '' ? s : undefined);
    }
  } else if (s.charCodeAt(0) === 58) {
    return new AddrParseError('INVALID_ADDRESS', input, 'IPv6 address cannot start with a single colon');
  }
  // Whether the text is already canonical (RFC 5952): then it is the result's text as it stands,
  // and formatting is skipped (~150 ns an address, bench/lookup.ts).
  let canonical = zone === '';
  while (i < end) {
    // One group: up to four hex digits, or an embedded dotted quad at the end.
    let value = 0;
    let digits = 0;
    const start = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      const d = c < 128 ? HEX_VALUE[c]! : -1;
      if (d < 0) break;
      if (c >= 65 && c <= 70) canonical = false; // upper case
      value = (value << 4) | d;
      digits++;
      i++;
      if (digits > 4) return new AddrParseError('INVALID_ADDRESS', input, 'IPv6 field has more than 4 digits');
    }
    if (i < end && s.charCodeAt(i) === 46 /* . */) {
      // Embedded IPv4: must be the last 32 bits.
      if (n > 6) return new AddrParseError('INVALID_ADDRESS', input, 'too many fields in IPv6 address');
      if (ellipsis < 0 && n !== 6) return new AddrParseError('INVALID_ADDRESS', input, 'embedded IPv4 address in the wrong place');
      const v = parseV4(s, start, end);
      if (v < 0) return new AddrParseError('INVALID_ADDRESS', input, 'embedded ' + v4Reason(v));
      groups[n++] = v >>> 16;
      groups[n++] = v & 0xffff;
      canonical = false; // canonical text is all hex
      break;
    }
    if (digits === 0) return new AddrParseError('INVALID_ADDRESS', input, 'IPv6 field must have at least one digit');
    if (n === 8) return new AddrParseError('INVALID_ADDRESS', input, 'too many fields in IPv6 address');
    if (digits > 1 && value < 1 << (4 * (digits - 1))) canonical = false; // a leading zero
    groups[n++] = value;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return new AddrParseError('INVALID_ADDRESS', input, 'unexpected character in IPv6 address');
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return new AddrParseError('INVALID_ADDRESS', input, 'multiple :: in IPv6 address');
      ellipsis = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return new AddrParseError('INVALID_ADDRESS', input, 'IPv6 address cannot end with a single colon');
    }
  }
  let runStart = -1;
  let runLen = 0;
  if (ellipsis >= 0) {
    if (n > 7) return new AddrParseError('INVALID_ADDRESS', input, ':: must stand for at least one field');
    const shift = 8 - n;
    for (let k = n - 1; k >= ellipsis; k--) groups[k + shift] = groups[k]!;
    for (let k = ellipsis; k < ellipsis + shift; k++) groups[k] = 0;
    runStart = ellipsis;
    runLen = shift;
  } else if (n !== 8) {
    return new AddrParseError('INVALID_ADDRESS', input, 'IPv6 address needs 8 fields or ::');
  }
  // Canonical only if '::' stands exactly for the first longest run of two or more zero fields.
  if (canonical) {
    let bestStart = -1;
    let bestLen = 1;
    for (let k = 0; k < 8;) {
      if (groups[k] !== 0) {
        k++;
        continue;
      }
      let j = k + 1;
      while (j < 8 && groups[j] === 0) j++;
      if (j - k > bestLen) {
        bestStart = k;
        bestLen = j - k;
      }
      k = j;
    }
    canonical = bestStart === runStart && (bestStart < 0 || bestLen === runLen);
  }
  return finishV6(zone, canonical ? s : undefined);
}

function finishV6(zone: string, text: string | undefined): ScratchAddr {
  const w0 = groups[0]! * 65536 + groups[1]!;
  const w1 = groups[2]! * 65536 + groups[3]!;
  const w2 = groups[4]! * 65536 + groups[5]!;
  const w3 = groups[6]! * 65536 + groups[7]!;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return setScratch(4, w3, 0, 0, 0, true, zone, undefined);
  return setScratch(6, w0, w1, w2, w3, false, zone, text);
}

export function formatV4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

// The 65,536 group texts, built once: formatting an IPv6 result is then string concatenation
// only (bench/lookup.ts: ~5× faster than toString(16) per group).
const HEX: readonly string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16));

/** RFC 5952: lower case, no leading zeros, the longest run (first on a tie) of two or more zero fields as '::'. */
export function formatV6(w0: number, w1: number, w2: number, w3: number): string {
  const g0 = w0 >>> 16,
    g1 = w0 & 0xffff,
    g2 = w1 >>> 16,
    g3 = w1 & 0xffff;
  const g4 = w2 >>> 16,
    g5 = w2 & 0xffff,
    g6 = w3 >>> 16,
    g7 = w3 & 0xffff;
  // Zero-group bitmap, then the longest run of two or more (first on a tie).
  const zeros =
    (g0 === 0 ? 1 : 0) |
    (g1 === 0 ? 2 : 0) |
    (g2 === 0 ? 4 : 0) |
    (g3 === 0 ? 8 : 0) |
    (g4 === 0 ? 16 : 0) |
    (g5 === 0 ? 32 : 0) |
    (g6 === 0 ? 64 : 0) |
    (g7 === 0 ? 128 : 0);
  let bestStart = -1;
  let bestLen = 1;
  if (zeros !== 0) {
    for (let i = 0; i < 8;) {
      if ((zeros & (1 << i)) === 0) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < 8 && (zeros & (1 << j)) !== 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
  }
  if (bestStart < 0) {
    return HEX[g0]! + ':' + HEX[g1]! + ':' + HEX[g2]! + ':' + HEX[g3]! + ':' + HEX[g4]! + ':' + HEX[g5]! + ':' + HEX[g6]! + ':' + HEX[g7]!;
  }
  const g = [g0, g1, g2, g3, g4, g5, g6, g7];
  let out = '';
  for (let i = 0; i < bestStart; i++) out += (i > 0 ? ':' : '') + HEX[g[i]!]!;
  out += '::';
  for (let i = bestStart + bestLen; i < 8; i++) out += (i > bestStart + bestLen ? ':' : '') + HEX[g[i]!]!;
  return out;
}
