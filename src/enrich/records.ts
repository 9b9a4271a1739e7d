// The record normaliser: one line of any input ipdest reads (NDJSON events incl. Windows 5156, evtx_dump/Chainsaw and Azure VMConnection, CSV exports, netfilter lines, Zeek conn.log TSV or JSON) → one connection record.
import { ListFormatError } from '../errors.js';
import { readCsv } from '../lists/index.js';
import { netfilterExtracted, type Extracted } from './context.js';
import { FieldPath } from './fields.js';
import { isPlainObject } from './lines.js';
import { isInbound, parseNetfilter } from './netfilter.js';
import type { NetfilterScan } from './netfilter-scan.js';
import { parseEpochSeconds, parseSyslogTime, parseTimeValue, SyslogClock } from './stamps.js';
import { DEFAULT_CONN_FIELDS, ZeekTsv } from './zeek.js';

/**
 * One connection as the audit counts it. `event` is what `Enricher.judge` reads (the input's own
 * event, or an ECS-shaped one ipdest made for a netfilter line or a Zeek row), so the address,
 * direction, port and process are read by the one extractor `ipdest enrich` uses.
 */
export interface ConnectionRecord {
  readonly event: Record<string, unknown>;
  /** When the connection was logged, epoch milliseconds (UTC); absent when the record has no usable time. */
  readonly time?: number;
  /** The local machine: Sysmon's computer, Zeek's local side, netfilter's SRC (outbound) or DST (inbound). */
  readonly host?: string;
  /** Payload bytes both ways (Zeek `orig_bytes` + `resp_bytes`), where the input says. */
  readonly bytes?: number;
  /** The size RITA's data-size score reads: the originator's IP bytes (Zeek `orig_ip_bytes`, else `orig_bytes`). */
  readonly sizeBytes?: number;
  /** Seconds (Zeek `duration`). */
  readonly duration?: number;
  /** The facts `Enricher.extract(event)` gives, when the reader already read them (a netfilter line: parsed once, not twice). */
  readonly extracted?: Extracted;
}

/** What one line gives: a record, nothing (a blank, header or comment line), or a skip with its reason. */
export type LineRecord = { readonly record: ConnectionRecord } | { readonly skip: string } | null;

export type RecordKind = 'json' | 'csv' | 'raw';

export interface RecordReaderOptions {
  /** The input's kind when its name says (`.ndjson`/`.json`/`.jsonl`, `.csv`); else the first line decides. */
  readonly kind?: RecordKind | null;
  /** The year of a syslog stamp that has none (RFC 3164): the file's mtime year, or `--year`. */
  readonly year: number;
}

// Where each event shape keeps the local machine and the time, first found wins: Winlogbeat 7/8
// `winlog.computer_name`, Winlogbeat 6 `computer_name` (its `host.name` is the collector), the
// Sysmon XML `Computer`, NXLog `Hostname`, then ECS `host.name`.
const HOST_FIELDS = [
  'winlog.computer_name',
  'computer_name',
  'Computer',
  'Event.System.Computer',
  'Hostname',
  'host.name',
  'host.hostname',
  'hostname',
  'host',
].map((f) => new FieldPath(f));
// Sysmon's own `UtcTime` is when the connection happened; `@timestamp` may be when it was shipped.
const TIME_FIELDS = [
  'winlog.event_data.UtcTime',
  'event_data.UtcTime',
  'Event.EventData.UtcTime',
  'AllFieldInfo.UtcTime',
  'UtcTime',
  '@timestamp',
  // evtx_dump writes the attribute under `#attributes`, Chainsaw under `TimeCreated_attributes`.
  'Event.System.TimeCreated.#attributes.SystemTime',
  'Event.System.TimeCreated_attributes.SystemTime',
  'TimeGenerated',
  'timestamp',
  'time',
  'EventTime',
  // Hayabusa's timeline stamp, `2019-07-30 06:33:20.711 +09:00` in its default format.
  'Timestamp',
].map((f) => new FieldPath(f));
const MESSAGE = new FieldPath('message');

function firstText(event: unknown, paths: readonly FieldPath[]): string | undefined {
  for (const p of paths) {
    const v = p.get(event);
    if (typeof v === 'string' && v !== '' && v !== '-') return v;
  }
  return undefined;
}

function firstTime(event: unknown, year: number): number | undefined {
  for (const p of TIME_FIELDS) {
    const t = parseTimeValue(p.get(event));
    if (t !== undefined) return t;
  }
  const m = MESSAGE.get(event);
  return typeof m === 'string' ? parseSyslogTime(m, year) : undefined;
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function seconds(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function isFalse(v: unknown): boolean {
  return v === false || v === 'F' || v === 'false';
}
function isTrue(v: unknown): boolean {
  return v === true || v === 'T' || v === 'true';
}

/**
 * A Zeek connection (`get` reads a field by its dotted name; the JSON of Kafka/RockNSM pipelines
 * writes `id_resp_h` for `id.resp_h`, and `get` is given both). The originator is the local side
 * unless Zeek says otherwise (`local_orig` F and `local_resp` T: a connection from outside to a
 * local server, whose remote side is the originator).
 */
function zeekRecord(get: (name: string) => unknown): LineRecord {
  const orig = get('id.orig_h');
  const resp = get('id.resp_h');
  if (typeof resp !== 'string' || resp === '') return { skip: 'Zeek row without id.resp_h' };
  const inbound = isFalse(get('local_orig')) && isTrue(get('local_resp'));
  const port = get('id.resp_p');
  const proto = get('proto');
  const event: Record<string, unknown> = {
    destination: { ip: resp, ...(port !== undefined ? { port: count(port) ?? port } : {}) },
    ...(typeof orig === 'string' ? { source: { ip: orig } } : {}),
    network: { direction: inbound ? 'inbound' : 'outbound', ...(typeof proto === 'string' ? { transport: proto } : {}) },
  };
  const ob = count(get('orig_bytes'));
  const rb = count(get('resp_bytes'));
  const oip = count(get('orig_ip_bytes'));
  const host = inbound ? resp : orig;
  const record: { -readonly [K in keyof ConnectionRecord]: ConnectionRecord[K] } = { event };
  const time = parseEpochSeconds(get('ts'));
  if (time !== undefined) record.time = time;
  if (typeof host === 'string' && host !== '') record.host = host;
  if (ob !== undefined || rb !== undefined) record.bytes = (ob ?? 0) + (rb ?? 0);
  const size = oip ?? ob;
  if (size !== undefined) record.sizeBytes = size;
  const d = seconds(get('duration'));
  if (d !== undefined) record.duration = d;
  return { record };
}

function isZeekJson(o: Record<string, unknown>): boolean {
  return 'id.resp_h' in o || 'id_resp_h' in o;
}

function zeekJsonRecord(o: Record<string, unknown>): LineRecord {
  return zeekRecord((name) => (name in o ? o[name] : o[name.replace('.', '_')]));
}

function netfilterRecord(line: string, clock: SyslogClock): LineRecord {
  const nf = parseNetfilter(line);
  if (nf === null) return { skip: 'not a connection (no netfilter DST=)' };
  const host = isInbound(nf) ? nf.dst : nf.src;
  const time = clock.timeOf(line);
  const record: { -readonly [K in keyof ConnectionRecord]: ConnectionRecord[K] } = { event: { message: line }, extracted: netfilterExtracted(nf) };
  if (time !== undefined) record.time = time;
  if (host !== undefined && host !== '') record.host = host;
  return { record };
}

/** The local machine an event names (Sysmon's computer, ECS host.name, a netfilter line's local side); the audit's `host`. */
export function hostOfEvent(event: Record<string, unknown>): string | undefined {
  let host = firstText(event, HOST_FIELDS);
  if (host === undefined) {
    // A netfilter line shipped in `message` (Filebeat): its local side, as for a raw line.
    const m = MESSAGE.get(event);
    const nf = typeof m === 'string' ? parseNetfilter(m) : null;
    if (nf !== null) host = isInbound(nf) ? nf.dst : nf.src;
  }
  return host === '' ? undefined : host;
}

/** An event read as it is (Sysmon, ECS, CSV rows), with its local machine and time. */
function eventRecord(event: Record<string, unknown>, year: number): LineRecord {
  const host = hostOfEvent(event);
  const time = firstTime(event, year);
  const record: { -readonly [K in keyof ConnectionRecord]: ConnectionRecord[K] } = { event };
  if (time !== undefined) record.time = time;
  if (host !== undefined && host !== '') record.host = host;
  // VMConnection rows count bytes both ways; the sent bytes are what RITA's data size reads.
  const sent = count(event['BytesSent']);
  const received = count(event['BytesReceived']);
  if (sent !== undefined || received !== undefined) record.bytes = (sent ?? 0) + (received ?? 0);
  if (sent !== undefined) record.sizeBytes = sent;
  return { record };
}

/** A line of Zeek TSV data, with or without a tab: a cell count and an epoch stamp say it is one. */
const ZEEK_ROW_START = /^(?:\d{1,12}\.\d{1,9}|X{10}\.X{6})\t/;

/**
 * Reads one input line by line (feed it every line, in order). Never throws: a line that is no
 * connection gives its reason. How the kind is told is `ipdest enrich`'s rule (the name, else the
 * first line: `{` opens JSON), plus Zeek: `#` header lines, and TSV rows that open with an epoch
 * stamp (read with Zeek's default conn.log columns when the header was cut off).
 */
export class RecordReader {
  #kind: RecordKind | null;
  readonly #year: number;
  readonly #clock: SyslogClock;
  readonly #zeek = new ZeekTsv();
  #csvHeader: string[] | null = null;

  constructor(opts: RecordReaderOptions) {
    this.#kind = opts.kind ?? null;
    this.#year = opts.year;
    this.#clock = new SyslogClock(opts.year);
  }

  /** The kind decided so far (by the name, else at the first line that is not blank). */
  get kind(): RecordKind | null {
    return this.#kind;
  }

  /**
   * No line so far has changed how later lines read (a Zeek `#fields` header, a CSV header): the
   * rest of the input reads the same from a new reader of the same kind. What lets a file be split.
   */
  get stateless(): boolean {
    return this.#zeek.fields === null && this.#csvHeader === null && this.#kind !== 'csv';
  }

  read(line: string): LineRecord {
    if (line.trim() === '') return null;
    this.#kind ??= line.trimStart().startsWith('{') ? 'json' : 'raw';
    switch (this.#kind) {
      case 'json':
        return this.#json(line);
      case 'csv':
        return this.#csv(line);
      default:
        return this.#raw(line);
    }
  }

  /**
   * Reads `line` into `scan` when it is a netfilter line of a raw input that the scan takes: the
   * record `read(line)` would give, its facts in numbers, its time from the same clock. False: call
   * `read` (the scan takes no line that changes the reader's state, so either way reads alike).
   */
  scanNetfilter(line: string, scan: NetfilterScan): boolean {
    if (this.#kind !== 'raw' || !this.#rawNetfilter(line) || !scan.read(line)) return false;
    scan.time = this.#clock.timeOf(line);
    return true;
  }

  /** A line of a raw input that `#raw` reads as a netfilter line: no `#` header, no Zeek header before it, not a Zeek row. */
  #rawNetfilter(line: string): boolean {
    if (this.#zeek.fields !== null) return false;
    const c = line.charCodeAt(0);
    // A Zeek row opens with a digit or a masked stamp's X: only then is the expression run.
    return c !== 35 /* # */ && !(((c >= 48 && c <= 57) || c === 88) && ZEEK_ROW_START.test(line));
  }

  #json(line: string): LineRecord {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // `ipdest enrich` takes netfilter lines mixed into JSON input; so does the audit.
      return parseNetfilter(line) !== null ? netfilterRecord(line, this.#clock) : { skip: 'not JSON' };
    }
    if (!isPlainObject(v)) return { skip: 'not a JSON object' };
    return isZeekJson(v) ? zeekJsonRecord(v) : eventRecord(v, this.#year);
  }

  #csv(line: string): LineRecord {
    let cells: readonly string[];
    try {
      cells = readCsv(line, 'csv')[0]?.cells ?? [];
    } catch (err) {
      if (err instanceof ListFormatError) return { skip: 'not a CSV row (unterminated quoted cell)' };
      throw err;
    }
    if (this.#csvHeader === null) {
      this.#csvHeader = cells.map((c) => c.trim());
      return null;
    }
    // No prototype: a column named __proto__ is a column like any other.
    const event = Object.create(null) as Record<string, unknown>;
    this.#csvHeader.forEach((h, i) => {
      event[h] = cells[i] ?? '';
    });
    return eventRecord(event, this.#year);
  }

  #raw(line: string): LineRecord {
    if (this.#rawNetfilter(line)) return netfilterRecord(line, this.#clock);
    if (line.startsWith('#')) {
      this.#zeek.header(line);
      return null;
    }
    return this.#tsv(line, this.#zeek.fields ?? DEFAULT_CONN_FIELDS);
  }

  #tsv(line: string, fields: readonly string[]): LineRecord {
    const row = this.#zeek.row(line, fields);
    if ('error' in row) return { skip: row.error };
    const f = row.fields;
    return zeekRecord((name) => f[name]);
  }
}
