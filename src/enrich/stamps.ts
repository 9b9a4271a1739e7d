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

  constructor(year: number) {
    this.#year = year;
  }

  timeOf(line: string): number | undefined {
    if (this.#prefix !== '' && line.startsWith(this.#prefix)) return this.#time;
    const a = RFC3164.exec(line);
    if (a === null) return parseSyslogTime(line, this.#year);
    const t = utc(this.#year, MONTHS[a[1]!]!, Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5]), fractionMs(a[6]));
    const end = a[0].length;
    // At the line's end the lookahead read `$`: a longer line with this text may match otherwise.
    this.#prefix = end < line.length ? line.slice(0, end + 1) : '';
    this.#time = t;
    return t;
  }
}
