// The common netfilter line read into numbers in one pass, no string made: the audit's fast path for firewall logs. A line it does not take is read by parseNetfilter.
import { parseV4 } from '../net/index.js';
import { serviceOf } from './services.js';

/** PROTO as the scan knows it: absent (or empty), TCP, UDP, ICMP, as `toProtocol` names them; any other value is left to the general reader. */
const PROTOCOLS = [undefined, 'tcp', 'udp', 'icmp'] as const;

/**
 * One line's connection facts, as `parseNetfilter` and `netfilterExtracted` give them for the
 * lines `read` takes, held in numbers and reused from line to line.
 *
 * `read` takes a line when parseNetfilter reads its keys as tokens after the space before the
 * first `=`: a log prefix glued to the first key, and a quoted inner packet after DST, are taken;
 * a key in the first token, or a `[` token before DST, are not. Its values must be plain:
 * - SRC and DST dotted-quad IPv4 in canonical form, so that the number names the text and back;
 * - PROTO absent, empty, `TCP`, `UDP` or `ICMP`, or the same in lower case.
 * DPT is read as `toPort` reads it. Anything else is false: the general reader decides.
 */
export class NetfilterScan {
  /** The remote side (SRC when the packet came in, else DST) as an unsigned 32-bit number, and where its text is in the line. */
  remote = 0;
  remoteStart = 0;
  remoteEnd = 0;
  /** The local side (DST when the packet came in, else SRC): the audit's host. */
  local = 0;
  localStart = 0;
  localEnd = 0;
  inbound = false;
  /** DPT as a port, -1 when absent or not one. */
  port = -1;
  /** 0: none, 1: tcp, 2: udp, 3: icmp. */
  protocolIndex = 0;
  /** The line's time (epoch ms), set by the reader. */
  time: number | undefined = undefined;

  /** The protocol as `toProtocol` names it. */
  get protocol(): string | undefined {
    return PROTOCOLS[this.protocolIndex];
  }

  /** A number per (port, protocol) that names the line's service text: ports 0–65535, then one per protocol when no port. */
  get serviceKey(): number {
    return this.port >= 0 ? this.port : 65536 + this.protocolIndex;
  }

  /** The audit's service text: the port's family, `other` for a port with none, else the protocol, else `none`. */
  get serviceText(): string {
    return this.port >= 0 ? (serviceOf(this.port) ?? 'other') : (this.protocol ?? 'none');
  }

  read(line: string): boolean {
    const n = line.length;
    // The engine's own searches for spaces: several times faster than a loop over a line's characters.
    const eq = line.indexOf('=');
    if (eq < 0) return false;
    // The key before it is short: a loop back, not lastIndexOf (a call into the runtime).
    let at = eq - 1;
    while (at >= 0 && line.charCodeAt(at) !== 32) at--;
    // A key in the first token: the general reader's.
    if (at < 0) return false;
    let inStart = -1;
    let inEnd = -1;
    let outStart = -1;
    let outEnd = -1;
    let srcStart = -1;
    let srcEnd = -1;
    let dstStart = -1;
    let dstEnd = -1;
    let protoStart = -1;
    let protoEnd = -1;
    let dptStart = -1;
    let dptEnd = -1;
    // Every token that follows a space, from the one after `at`: where parseNetfilter looks for
    // ` KEY=`, the first occurrence of a key winning. Once all six are read, the rest of the line
    // cannot change them.
    for (let i = at + 1; ;) {
      let end = line.indexOf(' ', i);
      if (end < 0) end = n;
      let k = i;
      let c = end > i ? line.charCodeAt(i) : 32;
      if (c === 91 /* [ */) {
        if (i === at + 1) {
          // A log prefix glued to the first key (EdgeOS, UniFi: `[WAN_OUT-2000-A]IN=eth0`).
          const close = line.indexOf(']', i);
          if (close < 0 || close > eq) return false;
          k = close + 1;
          c = line.charCodeAt(k);
        } else {
          // parseNetfilter stops at the quoted inner packet of an ICMP error (`[SRC=… DST=…`) once
          // it has DST, and so does the scan (without DST, the line is not taken). A key glued to a
          // later prefix: the general reader's.
          const keyEq = line.indexOf('=', i);
          if (keyEq >= 0 && keyEq < end) {
            const close = line.indexOf(']', i);
            if (close >= 0 && close < keyEq) return false;
          }
          break;
        }
      }
      switch (c) {
        case 73: // IN=
          if (inStart < 0 && line.charCodeAt(k + 1) === 78 && line.charCodeAt(k + 2) === 61) {
            inStart = k + 3;
            inEnd = end;
          }
          break;
        case 79: // OUT=
          if (outStart < 0 && line.charCodeAt(k + 1) === 85 && line.charCodeAt(k + 2) === 84 && line.charCodeAt(k + 3) === 61) {
            outStart = k + 4;
            outEnd = end;
          }
          break;
        case 83: // SRC=
          if (srcStart < 0 && line.charCodeAt(k + 1) === 82 && line.charCodeAt(k + 2) === 67 && line.charCodeAt(k + 3) === 61) {
            srcStart = k + 4;
            srcEnd = end;
          }
          break;
        case 68: // DST=, DPT=
          if (line.charCodeAt(k + 2) === 84 && line.charCodeAt(k + 3) === 61) {
            const b = line.charCodeAt(k + 1);
            if (b === 83 && dstStart < 0) {
              dstStart = k + 4;
              dstEnd = end;
            } else if (b === 80 && dptStart < 0) {
              dptStart = k + 4;
              dptEnd = end;
            }
          }
          break;
        case 80: // PROTO=
          if (protoStart < 0 && line.startsWith('PROTO=', k)) {
            protoStart = k + 6;
            protoEnd = end;
          }
          break;
      }
      if (end >= n || (dptStart >= 0 && protoStart >= 0 && dstStart >= 0 && srcStart >= 0 && outStart >= 0 && inStart >= 0)) break;
      i = end + 1;
    }
    if (dstStart < 0 || srcStart < 0) return false;
    const protocol = protoStart < 0 ? 0 : protocolIndexOf(line, protoStart, protoEnd);
    if (protocol < 0) return false;
    // The strict dotted quad (no leading zero): the text the number is formatted back to.
    const src = parseV4(line, srcStart, srcEnd);
    const dst = parseV4(line, dstStart, dstEnd);
    if (src < 0 || dst < 0) return false;
    // isInbound, on the values' spans: IN= names an interface and OUT= none.
    const inbound = inStart >= 0 && inEnd > inStart && (outStart < 0 || outEnd === outStart);
    this.inbound = inbound;
    this.protocolIndex = protocol;
    this.port = dptStart < 0 ? -1 : portOf(line, dptStart, dptEnd);
    if (inbound) {
      this.remote = src;
      this.remoteStart = srcStart;
      this.remoteEnd = srcEnd;
      this.local = dst;
      this.localStart = dstStart;
      this.localEnd = dstEnd;
    } else {
      this.remote = dst;
      this.remoteStart = dstStart;
      this.remoteEnd = dstEnd;
      this.local = src;
      this.localStart = srcStart;
      this.localEnd = srcEnd;
    }
    return true;
  }
}

/** `toPort` of the text: 1–5 ASCII digits up to 65535, else -1 (none). */
function portOf(line: string, start: number, end: number): number {
  if (end === start || end - start > 5) return -1;
  let port = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    port = port * 10 + d;
  }
  return port <= 65535 ? port : -1;
}

/** The index in PROTOCOLS of a PROTO value `toProtocol` maps to one (empty is none), else -1. */
function protocolIndexOf(line: string, start: number, end: number): number {
  switch (end - start) {
    case 0:
      return 0;
    case 3: {
      const a = line.charCodeAt(start);
      const b = line.charCodeAt(start + 1);
      const c = line.charCodeAt(start + 2);
      if ((a === 84 && b === 67 && c === 80) || (a === 116 && b === 99 && c === 112)) return 1; // TCP, tcp
      if ((a === 85 && b === 68 && c === 80) || (a === 117 && b === 100 && c === 112)) return 2; // UDP, udp
      return -1;
    }
    case 4:
      return line.startsWith('ICMP', start) || line.startsWith('icmp', start) ? 3 : -1;
    default:
      return -1;
  }
}
