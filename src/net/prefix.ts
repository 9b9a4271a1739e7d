// Prefix: an immutable CIDR value (network address + length), strict and list-tolerant parsing.
import { type Addr, AddrParseError, addrFrom4, addrFrom6, parseAddr } from './addr.js';

/**
 * A CIDR prefix. Its address is always the network address (host bits zero).
 * An IPv4-mapped IPv6 prefix (`::ffff:10.0.0.0/104`) is stored as the IPv4 prefix it covers
 * (`10.0.0.0/8`), because addresses are unmapped before any lookup.
 */
export class Prefix {
  readonly addr: Addr;
  readonly bits: number;
  #text: string | undefined;

  private constructor(addr: Addr, bits: number) {
    this.addr = addr;
    this.bits = bits;
  }

  /** @internal */
  static create(addr: Addr, bits: number): Prefix {
    return new Prefix(addr, bits);
  }

  get version(): 4 | 6 {
    return this.addr.version;
  }

  /** Whether addr lies inside this prefix (same family only). */
  contains(addr: Addr): boolean {
    if (addr.version !== this.addr.version) return false;
    const total = this.addr.version === 4 ? 1 : 4;
    let bits = this.bits;
    for (let i = 0; i < total && bits > 0; i++) {
      const take = bits >= 32 ? 32 : bits;
      const mask = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
      if ((addr.word(i) & mask) >>> 0 !== this.addr.word(i)) return false;
      bits -= take;
    }
    return true;
  }

  /** The last address of the prefix. */
  last(): Addr {
    const w = lastWords(this.addr, this.bits);
    return this.addr.version === 4 ? addrFrom4(w[0]!) : addrFrom6(w[0]!, w[1]!, w[2]!, w[3]!);
  }

  /** Canonical text `addr/bits`. */
  toString(): string {
    if (this.#text === undefined) this.#text = `${this.addr.toString()}/${this.bits}`;
    return this.#text;
  }

  /** A key unique per prefix, for maps. */
  get key(): string {
    return `${this.addr.version}/${this.toString()}`;
  }
}

function lastWords(addr: Addr, bits: number): number[] {
  const n = addr.version === 4 ? 1 : 4;
  const out: number[] = [];
  let rest = bits;
  for (let i = 0; i < n; i++) {
    const take = rest >= 32 ? 32 : rest < 0 ? 0 : rest;
    const hostMask = take === 32 ? 0 : 0xffffffff >>> take;
    out.push((addr.word(i) | hostMask) >>> 0);
    rest -= 32;
  }
  return out;
}

/** Zeroes the host bits of addr beyond `bits`; returns the network address and whether any was set. */
export function maskAddr(addr: Addr, bits: number): { network: Addr; hostBitsSet: boolean } {
  const n = addr.version === 4 ? 1 : 4;
  const w = [0, 0, 0, 0];
  let rest = bits;
  let hostBitsSet = false;
  for (let i = 0; i < n; i++) {
    const take = rest >= 32 ? 32 : rest < 0 ? 0 : rest;
    const mask = take === 32 ? 0xffffffff : take === 0 ? 0 : ~(0xffffffff >>> take) >>> 0;
    const word = addr.word(i);
    w[i] = (word & mask) >>> 0;
    if (w[i] !== word) hostBitsSet = true;
    rest -= 32;
  }
  const network = hostBitsSet ? (addr.version === 4 ? addrFrom4(w[0]!) : addrFrom6(w[0]!, w[1]!, w[2]!, w[3]!)) : addr;
  return { network, hostBitsSet };
}

const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

export class PrefixParseError {
  readonly code = 'INVALID_PREFIX' as const;
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {}
  get message(): string {
    return `${JSON.stringify(this.input)}: ${this.reason}`;
  }
}

export interface LooseParse {
  prefix: Prefix;
  /** The text had host bits set (`10.1.2.3/8`); the prefix is its network. */
  hostBitsSet: boolean;
}

/**
 * Parses a CIDR as lists write them: `addr/bits`, or a bare address (a /32 or /128).
 * Host bits are tolerated and reported, because real lists carry them.
 */
export function parsePrefixLoose(input: string): LooseParse | PrefixParseError {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const a = parseAddr(addrText);
  if (a instanceof AddrParseError) return new PrefixParseError(input, a.reason);
  if (a.zone !== '') return new PrefixParseError(input, 'a prefix has no zone');
  if (addrText.charCodeAt(0) === 91) return new PrefixParseError(input, 'a prefix is not bracketed');
  const max = a.mapped ? 128 : a.version === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!PREFIX_LENGTH.test(b)) return new PrefixParseError(input, 'prefix length must be a decimal number without leading zeros');
    bits = Number(b);
    if (bits > max) return new PrefixParseError(input, `prefix length ${bits} is longer than ${max}`);
  }
  let addr = a;
  if (a.mapped) {
    // ::ffff:a.b.c.d/n covers IPv4 addresses only when n >= 96.
    if (bits < 96) return new PrefixParseError(input, 'a prefix shorter than /96 across the IPv4-mapped block is not supported');
    bits -= 96;
    addr = addrFrom4(a.w0);
  }
  const { network, hostBitsSet } = maskAddr(addr, bits);
  return { prefix: Prefix.create(network, bits), hostBitsSet };
}

/** Parses `addr/bits` strictly: no host bits, no bare addresses. */
export function parsePrefix(input: string): Prefix | PrefixParseError {
  if (input.indexOf('/') < 0) return new PrefixParseError(input, 'missing /length');
  const r = parsePrefixLoose(input);
  if (r instanceof PrefixParseError) return r;
  if (r.hostBitsSet) return new PrefixParseError(input, 'host bits are set');
  return r.prefix;
}

/** Parses or throws: for tests and built-in tables only. */
export function mustParsePrefix(s: string): Prefix {
  const p = parsePrefix(s);
  if (p instanceof PrefixParseError) throw new Error(`invalid prefix ${p.message}`);
  return p;
}

export function prefixFrom(addr: Addr, bits: number): Prefix {
  const max = addr.version === 4 ? 32 : 128;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new RangeError(`prefix length ${bits} out of range for IPv${addr.version}`);
  return Prefix.create(maskAddr(addr, bits).network, bits);
}
