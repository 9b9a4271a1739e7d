// Record times: syslog stamps (RFC 3164 without a year, RFC 5424/ISO 8601, Proxmox), Sysmon UtcTime, ISO 8601 and Zeek epochs, as epoch milliseconds (UTC).

const MONTHS: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

// Built once: `<PRI>` is optional before either stamp; the RFC 3164 day is space-padded ("Jun  8").
const RFC3164 = /^(?:<\d{1,3}>)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?= |$)/;
const ISO_AT_START = /^(?:<\d{1,3}>)?(?:1 )?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)(?= |$)/;
// Proxmox VE's firewall log: `0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: …`.
const CLF = /(?:^| )(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})(?= )/;
// A space may come before the zone: Hayabusa writes `2019-07-30 06:33:20.711 +09:00`.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/;

/** Milliseconds of UTC calendar fields, or undefined when a field is out of its range (Feb 30, 25:00). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms);
  // Date.UTC rolls Feb 30 over into March: a stamp that does not name a real day is no time.
  return new Date(t).getUTCDate() === d ? t : undefined;
}

function fractionMs(frac: string | undefined): number {
  return frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
}

/**
 * ISO 8601 / RFC 3339 text (also Sysmon's `UtcTime`, `2019-03-18 16:57:47.847`, which has a space
 * and no zone): a text without a zone is UTC, as Sysmon writes it.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const t = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fractionMs(m[7]));
  if (t === undefined) return undefined;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return t - sign * offset * 60000;
}

/** A Zeek `ts` (epoch seconds with a fraction); `-` and masked stamps (`XXXXXXXXXX.XXXXXX`) are none. */
export function parseEpochSeconds(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}(?:\.\d{1,9})?$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1e6) / 1e3 : undefined;
}

/**
 * The time a syslog line was logged, from the stamp that opens it (after an optional `<PRI>`):
 * RFC 3164 `Jun  8 14:34:33` (no year: `year` gives it, the caller's file mtime year or `--year`;
 * no zone: UTC), RFC 5424 / ISO 8601 `2021-03-12T14:10:18Z`, or a Proxmox `20/Jun/2022:13:09:14 +0200`
 * anywhere before the packet fields. Undefined when the line has none.
 */
export function parseSyslogTime(line: string, year: number): number | undefined {
  const a = RFC3164.exec(line);
  if (a !== null) return utc(year, MONTHS[a[1]!]!, Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5]), fractionMs(a[6]));
  const b = ISO_AT_START.exec(line);
  if (b !== null) return parseIsoTime(b[1]!.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  const c = CLF.exec(line);
  if (c !== null) {
    const t = utc(Number(c[3]), MONTHS[c[2]!]!, Number(c[1]), Number(c[4]), Number(c[5]), Number(c[6]), 0);
    if (t === undefined) return undefined;
    const offset = (Number(c[8]) * 60 + Number(c[9])) * (c[7] === '-' ? -1 : 1);
    return t - offset * 60000;
  }
  return undefined;
}

/** The time of a JSON value that holds one: ISO text, or epoch seconds (a number). */
export function parseTimeValue(v: unknown): number | undefined {
  if (typeof v === 'number') return parseEpochSeconds(v);
  if (typeof v === 'string') return parseIsoTime(v) ?? parseEpochSeconds(v);
  return undefined;
}

/**
 * parseSyslogTime for the lines of one input, in order. Consecutive lines often share their
 * second: a line that opens with the previous RFC 3164 match and the space after it has the same
 * time (the regex examines no character past that space, so it would match the same way).
 */
export class SyslogClock {
  readonly #year: number;
  #prefix = '';
  #time: number | undefined;
  /** The day of the last plain stamp (month · 100 + day: days 0–99 are read, so each key names one) and its first millisecond, undefined when no such day. */
  #day = -1;
  #dayStart: number | undefined;

  constructor(year: number) {
    this.#year = year;
  }

  timeOf(line: string): number | undefined {
    if (this.#prefix !== '' && line.startsWith(this.#prefix)) return this.#time;
    const plain = this.#plain(line);
    if (plain !== NOT_PLAIN) return plain;
    const a = RFC3164.exec(line);
    if (a === null) return parseSyslogTime(line, this.#year);
    const t = utc(this.#year, MONTHS[a[1]!]!, Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5]), fractionMs(a[6]));
    const end = a[0].length;
    // At the line's end the lookahead read `$`: a longer line with this text may match otherwise.
    this.#prefix = end < line.length ? line.slice(0, end + 1) : '';
    this.#time = t;
    return t;
  }

  /**
   * The stamp most logs open with, `Jun  8 14:34:33 ` or `Jun 18 14:34:33 ` (no `<PRI>`, no
   * fraction, a space after it), read from its characters: the time RFC3164 and utc() give, the
   * day's validity computed once a day. NOT_PLAIN for any other line.
   */
  #plain(line: string): number | undefined {
    const month = monthAt(line);
    if (month < 0 || line.charCodeAt(3) !== 32) return NOT_PLAIN;
    let p: number;
    let day: number;
    const d0 = digitAt(line, 4);
    if (d0 < 0) {
      if (line.charCodeAt(4) !== 32) return NOT_PLAIN;
      day = digitAt(line, 5);
      p = 6;
    } else {
      const d1 = digitAt(line, 5);
      day = d1 < 0 ? d0 : d0 * 10 + d1;
      p = d1 < 0 ? 5 : 6;
    }
    if (day < 0 || line.charCodeAt(p) !== 32 || line.charCodeAt(p + 3) !== 58 || line.charCodeAt(p + 6) !== 58 || line.charCodeAt(p + 9) !== 32)
      return NOT_PLAIN;
    const h = twoDigitsAt(line, p + 1);
    const mi = twoDigitsAt(line, p + 4);
    const s = twoDigitsAt(line, p + 7);
    if (h < 0 || mi < 0 || s < 0) return NOT_PLAIN;
    const key = month * 100 + day;
    if (key !== this.#day) {
      this.#day = key;
      this.#dayStart = utc(this.#year, month, day, 0, 0, 0, 0);
    }
    const start = this.#dayStart;
    const t = start === undefined || h > 23 || mi > 59 || s > 60 ? undefined : start + h * 3600000 + mi * 60000 + Math.min(s, 59) * 1000;
    this.#prefix = line.slice(0, p + 10);
    this.#time = t;
    return t;
  }
}

/** timeOf's mark for a line whose stamp is not the plain one (undefined is a time: none; a plain stamp's time is whole seconds, never -1). */
const NOT_PLAIN = -1;

/** The month (0–11) whose name opens the line, else -1. */
function monthAt(line: string): number {
  const a = line.charCodeAt(0);
  const b = line.charCodeAt(1);
  const c = line.charCodeAt(2);
  switch (a) {
    case 74: // J
      return b === 97 && c === 110 ? 0 : b === 117 ? (c === 110 ? 5 : c === 108 ? 6 : -1) : -1; // Jan, Jun, Jul
    case 70: // F
      return b === 101 && c === 98 ? 1 : -1; // Feb
    case 77: // M
      return b === 97 ? (c === 114 ? 2 : c === 121 ? 4 : -1) : -1; // Mar, May
    case 65: // A
      return b === 112 && c === 114 ? 3 : b === 117 && c === 103 ? 7 : -1; // Apr, Aug
    case 83: // S
      return b === 101 && c === 112 ? 8 : -1; // Sep
    case 79: // O
      return b === 99 && c === 116 ? 9 : -1; // Oct
    case 78: // N
      return b === 111 && c === 118 ? 10 : -1; // Nov
    case 68: // D
      return b === 101 && c === 99 ? 11 : -1; // Dec
    default:
      return -1;
  }
}

function digitAt(line: string, i: number): number {
  const d = line.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

function twoDigitsAt(line: string, i: number): number {
  const a = digitAt(line, i);
  const b = digitAt(line, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}
