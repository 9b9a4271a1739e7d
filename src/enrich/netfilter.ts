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

/**
 * Reads the fields ipdest needs from a netfilter log line; null when the line has no `DST=`.
 * Scans once, splitting on spaces, and stops at the first `[`: an ICMP error quotes the inner
 * packet's own SRC/DST there, and the outer packet is the one logged. The first occurrence of a
 * key wins. Prefixes such as `[WAN_OUT-2000-A]IN=eth0` are handled by looking for `IN=` at the
 * end of a token's prefix.
 */
export function parseNetfilter(line: string): NetfilterFields | null {
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
        const key = line.slice(keyStart, eq);
        const value = line.slice(eq + 1, end);
        switch (key) {
          case 'SRC':
            if (f.src === undefined) f.src = value;
            break;
          case 'DST':
            if (f.dst === undefined) f.dst = value;
            break;
          case 'PROTO':
            if (f.proto === undefined) f.proto = value;
            break;
          case 'SPT':
            if (f.spt === undefined) f.spt = value;
            break;
          case 'DPT':
            if (f.dpt === undefined) f.dpt = value;
            break;
          case 'IN':
            if (f.in === undefined) f.in = value;
            break;
          case 'OUT':
            if (f.out === undefined) f.out = value;
            break;
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
