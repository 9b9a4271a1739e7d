// iptables/netfilter kernel log lines: the KEY=VALUE fields of the first (outer) packet, in one pass.

export interface NetfilterFields {
  src: string | undefined;
  dst: string | undefined;
  proto: string | undefined;
  spt: string | undefined;
  dpt: string | undefined;
  /** `IN=` value ('' when present and empty, undefined when absent). */
  in: string | undefined;
  out: string | undefined;
}

/** The packet came in: IN= names an interface and OUT= none (a forwarded packet, with both, is outbound). */
export function isInbound(nf: { readonly in: string | undefined; readonly out: string | undefined }): boolean {
  return nf.in !== undefined && nf.in !== '' && (nf.out === undefined || nf.out === '');
}

/**
 * Reads the fields ipdest needs from a netfilter log line; null when the line has no `DST=`.
 * Scans once, splitting on spaces, and stops at the first `[`: an ICMP error quotes the inner
 * packet's own SRC/DST there, and the outer packet is the one logged. The first occurrence of a
 * key wins. Prefixes such as `[WAN_OUT-2000-A]IN=eth0` are handled by looking for `IN=` at the
 * end of a token's prefix.
 */
export function parseNetfilter(line: string): NetfilterFields | null {
  return plainFields(line) ?? scanFields(line);
}

/**
 * The common line, read with the engine's substring search instead of a loop over its characters:
 * one where no token after the one holding the first `=` opens with `[` (no quoted inner packet),
 * and that token opens with `[` only as a log prefix glued to its key (EdgeOS and UniFi write
 * `[WAN_OUT-2000-A]IN=eth0`). There every other key is a token after a space, and the first
 * ` KEY=` is the first occurrence that scanFields would take. Undefined: not such a line
 * (scanFields reads it).
 */
function plainFields(line: string): NetfilterFields | null | undefined {
  const d = line.indexOf(' DST=');
  if (d < 0) return undefined;
  const eq = line.indexOf('=');
  const at = line.lastIndexOf(' ', eq);
  // A key in the first token has no space before it.
  if (at < 0) return undefined;
  let rest = at;
  let glued: Key = NONE;
  let value = '';
  if (line.charCodeAt(at + 1) === 91 /* [ */) {
    const close = line.indexOf(']', at + 1);
    if (close < 0 || close > eq) return undefined;
    const end = line.indexOf(' ', eq);
    rest = end < 0 ? line.length : end;
    glued = keyOf(line, close + 1, eq);
    value = line.slice(eq + 1, rest);
  }
  // No later token opens with '[' (tokens before the first '=' hold no key; a '[' inside a token,
  // as in UniFi's DESCR="[WAN_LOCAL]…", is no prefix).
  if (line.indexOf(' [', rest) >= 0) return undefined;
  const field = (key: Key, needle: string): string | undefined => (key === glued ? value : valueOf(line, needle, rest));
  return {
    src: field('src', ' SRC='),
    dst: glued === 'dst' ? value : valueAt(line, d + 5),
    proto: field('proto', ' PROTO='),
    spt: field('spt', ' SPT='),
    dpt: field('dpt', ' DPT='),
    in: field('in', ' IN='),
    out: field('out', ' OUT='),
  };
}

function valueOf(line: string, key: string, from: number): string | undefined {
  const k = line.indexOf(key, from);
  return k < 0 ? undefined : valueAt(line, k + key.length);
}

function valueAt(line: string, start: number): string {
  const end = line.indexOf(' ', start);
  return line.slice(start, end < 0 ? line.length : end);
}

/** Token by token: every line, the rare shapes too. */
export function scanFields(line: string): NetfilterFields | null {
  if (line.indexOf('DST=') < 0) return null;
  const f: NetfilterFields = { src: undefined, dst: undefined, proto: undefined, spt: undefined, dpt: undefined, in: undefined, out: undefined };
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    let end = i;
    while (end < n && line.charCodeAt(end) !== 32) end++;
    if (i < end) {
      // '=' and ']' are looked for within the token only: a search to the line's end for every
      // token would make a long line of short tokens quadratic.
      let eq = i;
      while (eq < end && line.charCodeAt(eq) !== 61 /* = */) eq++;
      if (eq > i && eq < end) {
        // A token may carry a log prefix glued to its key: "[WAN_OUT-2000-A]IN=eth0".
        let keyStart = i;
        if (line.charCodeAt(i) === 91 /* [ */) {
          let close = i;
          while (close < eq && line.charCodeAt(close) !== 93 /* ] */) close++;
          if (close >= eq) return finish(f); // the quoted inner packet: stop
          keyStart = close + 1;
        }
        // Only the seven keys ipdest reads are sliced: the key is told by its length and letters first.
        const key = keyOf(line, keyStart, eq);
        if (key !== NONE) {
          const value = line.slice(eq + 1, end);
          if (f[key] === undefined) f[key] = value;
        }
      } else if (line.charCodeAt(i) === 91 /* [ */ && f.dst !== undefined) {
        return finish(f);
      }
    }
    i = end;
  }
  return finish(f);
}

function finish(f: NetfilterFields): NetfilterFields | null {
  return f.dst === undefined ? null : f;
}

const NONE = 0;
type Key = 'src' | 'dst' | 'proto' | 'spt' | 'dpt' | 'in' | 'out' | typeof NONE;

/** Which of SRC, DST, PROTO, SPT, DPT, IN, OUT the text line[start, end) is, without making a string. */
function keyOf(line: string, start: number, end: number): Key {
  switch (end - start) {
    case 2:
      return line.charCodeAt(start) === 73 && line.charCodeAt(start + 1) === 78 ? 'in' : NONE; // IN
    case 3: {
      const a = line.charCodeAt(start);
      const b = line.charCodeAt(start + 1);
      const z = line.charCodeAt(start + 2);
      if (a === 83 && b === 82 && z === 67) return 'src'; // SRC
      if (a === 68 && b === 83 && z === 84) return 'dst'; // DST
      if (a === 83 && b === 80 && z === 84) return 'spt'; // SPT
      if (a === 68 && b === 80 && z === 84) return 'dpt'; // DPT
      if (a === 79 && b === 85 && z === 84) return 'out'; // OUT
      return NONE;
    }
    case 5:
      return line.startsWith('PROTO', start) ? 'proto' : NONE;
    default:
      return NONE;
  }
}
