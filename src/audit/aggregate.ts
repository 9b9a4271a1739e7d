// The audit's streaming aggregation: each connection record judged once and counted per destination, with memory bounded by distinct (destination, port, process, host) values.
import { isFailure, type ConnectionRecord, type Enricher, type Extracted, type LookupResult } from '../enrich/index.js';

/** `--only`: which connections the report's sections count (totals always count every connection). */
export type OnlyFilter = 'external' | 'untagged' | 'customer' | 'threat';

export interface AuditOptions {
  readonly only?: OnlyFilter;
  /** Epoch milliseconds; a record without a time is left out when either bound is set. */
  readonly since?: number;
  readonly until?: number;
  /**
   * Keep, per beacon series, each connection's port and which ones gave a size: what `merge` needs to
   * cut a part's series exactly where the sequential read would have stopped (MAX_SERIES). Set for
   * the parts of a file read in parallel; their series' `ports` then stay empty (the trail holds them).
   */
  readonly trail?: boolean;
}

/** A series' per-connection facts, kept when `trail` is set: the port (-1: none), and the index in `ts` of each size. */
export interface SeriesTrail {
  readonly ports: number[];
  readonly sizeAt: number[];
}

/**
 * Every beacon series of a part in a few flat arrays, in the order the pairs were first seen: a
 * worker thread hands them over as copies of memory, not as a hundred thousand objects.
 */
export interface PackedSeries {
  readonly sources: string[];
  readonly destinations: string[];
  /** Series i's connections are [at[i], at[i + 1]) of `ts` and `ports`. */
  readonly at: Int32Array;
  readonly ts: Float64Array;
  /** Each connection's port, -1 for none. */
  readonly ports: Int32Array;
  /** Series i's sizes are [sizeStart[i], sizeStart[i + 1]) of `sizes` and `sizeAt` (the connection's index in the series). */
  readonly sizeStart: Int32Array;
  readonly sizes: Float64Array;
  readonly sizeAt: Int32Array;
}

export interface AggregatePart {
  readonly tally: FileTally;
  readonly destinations: Map<string, DestinationTally>;
  readonly series: PackedSeries;
  readonly hours: Map<number, number>;
  readonly totals: Aggregator['totals'];
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly threatKnown: boolean;
}

/** One input file as the report tells it. */
export interface FileTally {
  readonly path: string;
  records: number;
  connections: number;
  skipped: number;
  /** Why lines were skipped, with how many each. */
  readonly reasons: Map<string, number>;
}

/** A threat hit, as the lookup result carries it once threat lists exist (`kind: threat`). */
export interface ThreatHit {
  readonly list: string;
  readonly prefix: string;
}

/** Everything counted for one destination address. */
export interface DestinationTally {
  /** The lookup result of its first connection (attribution does not depend on the connection). */
  readonly result: LookupResult;
  readonly threat: readonly ThreatHit[] | undefined;
  connections: number;
  /** Sum of the bytes its records gave; undefined when none gave any. */
  bytes: number | undefined;
  first: number | undefined;
  last: number | undefined;
  readonly ports: Map<number, number>;
  readonly services: Map<string, number>;
  readonly processes: Map<string, number>;
  readonly hosts: Map<string, number>;
  readonly directions: Map<string, number>;
}

/** The connections of one (source, destination) pair, for the beacon scores. */
export interface PairSeries {
  readonly source: string;
  readonly destination: string;
  readonly ports: Map<number, number>;
  /** Epoch seconds, as RITA keeps them (whole seconds), in arrival order. */
  readonly ts: number[];
  /** RITA's data size per connection (the originator's IP bytes); entries only for records that gave one. */
  readonly sizes: number[];
}

/** What the report reads of an aggregation: the CLI's Aggregator, or the view the service's live audit makes (live.ts). */
export interface AggregateView {
  readonly files: readonly FileTally[];
  readonly destinations: ReadonlyMap<string, DestinationTally>;
  readonly pairs: ReadonlyMap<string, PairSeries>;
  readonly hours: ReadonlyMap<number, number>;
  readonly totals: Aggregator['totals'];
  readonly first: number | undefined;
  readonly last: number | undefined;
}

/** RITA's own cap on the timestamps kept per pair (`groupArray(86400)`): a day of one a second. */
export const MAX_SERIES = 86400;

export function hostingOfResult(r: LookupResult): 'first-party' | 'customer' | null {
  let seen: 'first-party' | 'customer' | null = null;
  for (const m of r.matches) {
    if (m.hosting === 'customer') return 'customer';
    if (m.hosting === 'first-party') seen = 'first-party';
  }
  return seen;
}

function threatOf(r: LookupResult): readonly ThreatHit[] | undefined {
  const t = (r as { threat?: unknown }).threat;
  return Array.isArray(t) && t.length > 0 ? (t as ThreatHit[]) : undefined;
}

/**
 * A copy of a string that shares no memory with it. A value cut from a line (an address, a host)
 * may be a slice that keeps the whole read chunk alive; what the aggregation keeps is copied once.
 * Slicing a concatenation makes the engine flatten it into a new string first: the copy.
 */
function detached(s: string): string {
  return (' ' + s).slice(1);
}

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** bump for a text cut from the input: a new key is kept as its own copy. */
function bumpKept(m: Map<string, number>, k: string): void {
  const n = m.get(k);
  if (n === undefined) m.set(detached(k), 1);
  else m.set(k, n + 1);
}

function mergeCounts<K>(into: Map<K, number>, from: ReadonlyMap<K, number>): void {
  for (const [k, n] of from) bump(into, k, n);
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** What a file adds to: records, connections and skips, by reason. */
export function newFileTally(path: string): FileTally {
  return { path, records: 0, connections: 0, skipped: 0, reasons: new Map() };
}

/** What the aggregation knows of one address text, judged at its first record: everything here depends on the address alone. */
interface AddressEntry {
  /** The canonical address; undefined when the text is no address (then `skip` says why). */
  readonly ip: string | undefined;
  readonly skip: string | undefined;
  readonly external: boolean;
  readonly untagged: boolean;
  readonly selected: boolean;
  readonly threat: readonly ThreatHit[] | undefined;
  /** The first result, kept until its destination is made (a destination keeps its first connection's result). */
  first: LookupResult | undefined;
  dest: DestinationTally | undefined;
  /** The beacon series of this address, by source. */
  readonly series: Map<string, PairSeries>;
}

/**
 * Feeds on records, one at a time; holds per destination only counters and small maps, and per
 * external (source, destination) pair the timestamps the beacon score needs (at most MAX_SERIES).
 * An address is classified once, at its first record: attribution and `--only` depend on the
 * address alone, and the port, process and direction come from the record's own facts.
 */
export class Aggregator {
  readonly enricher: Enricher;
  readonly options: AuditOptions;
  readonly files: FileTally[] = [];
  readonly destinations = new Map<string, DestinationTally>();
  readonly pairs = new Map<string, PairSeries>();
  /** Connections per hour (start of the hour, epoch ms): the report's time chart. */
  readonly hours = new Map<number, number>();
  totals = { records: 0, connections: 0, external: 0, untagged: 0, skipped: 0, selected: 0, outside: 0 };
  first: number | undefined;
  last: number | undefined;
  /** A result carried a `threat` field: `--only threat` can be applied. */
  threatKnown = false;
  /** The trail of each series, when options.trail is set. */
  readonly #trails = new Map<PairSeries, SeriesTrail>();
  /** By the address text as the records give it (`::FFFF:1.2.3.4` and `1.2.3.4` are two texts, one destination). */
  readonly #addresses = new Map<string, AddressEntry>();

  constructor(enricher: Enricher, options: AuditOptions = {}) {
    this.enricher = enricher;
    this.options = options;
  }

  skip(file: FileTally, reason: string): void {
    file.records++;
    file.skipped++;
    this.totals.records++;
    this.totals.skipped++;
    bump(file.reasons, reason);
  }

  add(file: FileTally, rec: ConnectionRecord): void {
    const x = rec.extracted ?? this.enricher.extract(rec.event);
    const a = this.#entryOf(x);
    if (a.ip === undefined) {
      this.skip(file, a.skip!);
      return;
    }
    file.records++;
    file.connections++;
    const t = this.totals;
    t.records++;
    t.connections++;
    if (a.external) t.external++;
    if (a.untagged) t.untagged++;
    const o = this.options;
    const time = rec.time;
    if (o.since !== undefined || o.until !== undefined) {
      if (time === undefined || (o.since !== undefined && time < o.since) || (o.until !== undefined && time > o.until)) {
        t.outside++;
        return;
      }
    }
    if (!a.selected) return;
    t.selected++;
    if (time !== undefined) {
      if (this.first === undefined || time < this.first) this.first = time;
      if (this.last === undefined || time > this.last) this.last = time;
      bump(this.hours, time - (time % 3600000));
    }
    const d = a.dest ?? this.#destinationOf(a, x);
    const c = x.context;
    d.connections++;
    if (rec.bytes !== undefined) d.bytes = (d.bytes ?? 0) + rec.bytes;
    if (time !== undefined) {
      if (d.first === undefined || time < d.first) d.first = time;
      if (d.last === undefined || time > d.last) d.last = time;
    }
    if (c.port !== undefined) bump(d.ports, c.port);
    bump(d.services, c.service ?? (c.port === undefined ? (c.protocol ?? 'none') : 'other'));
    if (c.process !== undefined) bumpKept(d.processes, c.process);
    if (rec.host !== undefined) bumpKept(d.hosts, rec.host);
    bump(d.directions, c.direction ?? 'outbound');
    if (a.external && time !== undefined) this.#series(a, rec, c.port, rec.host ?? c.process ?? '-', time);
  }

  /** The entry of an address text, judged at its first record. */
  #entryOf(x: Extracted): AddressEntry {
    const key = typeof x.value === 'string' ? x.value : undefined;
    let a = key === undefined ? undefined : this.#addresses.get(key);
    if (a !== undefined) return a;
    const r = this.enricher.judgeExtracted(x);
    if (isFailure(r)) {
      const skip = r.error.code === 'NO_ADDRESS' ? 'no address (NO_ADDRESS)' : 'invalid address (INVALID_ADDRESS)';
      a = { ip: undefined, skip, external: false, untagged: false, selected: false, threat: undefined, first: undefined, dest: undefined, series: new Map() };
    } else {
      if ('threat' in r) this.threatKnown = true;
      const threat = threatOf(r);
      const selected = this.#selected(r, threat);
      a = {
        ip: this.destinations.get(r.ip)?.result.ip ?? detached(r.ip),
        skip: undefined,
        external: r.external,
        untagged: r.external && r.IPDestination === null,
        selected,
        threat,
        first: selected ? r : undefined,
        dest: undefined,
        series: new Map(),
      };
    }
    // A non-string value (a number, an object) is judged again each time: it is skipped anyway.
    if (key !== undefined) this.#addresses.set(detached(key), a);
    return a;
  }

  /** The destination of an entry at its first counted record (another text of the same address may have made it). */
  #destinationOf(a: AddressEntry, x: Extracted): DestinationTally {
    const ip = a.ip!;
    let d = this.destinations.get(ip);
    if (d === undefined) {
      // The first counted connection's result: the entry's first one unless the time window left that out.
      const first = a.first !== undefined && this.totals.outside === 0 ? a.first : (this.enricher.judgeExtracted(x) as LookupResult);
      d = {
        result: { ...first, input: detached(first.input), ip },
        threat: a.threat,
        connections: 0,
        bytes: undefined,
        first: undefined,
        last: undefined,
        ports: new Map(),
        services: new Map(),
        processes: new Map(),
        hosts: new Map(),
        directions: new Map(),
      };
      this.destinations.set(ip, d);
    }
    a.dest = d;
    a.first = undefined;
    return d;
  }

  #selected(r: LookupResult, threat: readonly ThreatHit[] | undefined): boolean {
    switch (this.options.only) {
      case 'external':
        return r.external;
      case 'untagged':
        return r.external && r.IPDestination === null;
      case 'customer':
        return r.external && hostingOfResult(r) === 'customer';
      case 'threat':
        // The CLI sets this filter only when a `kind: threat` list is configured.
        return threat !== undefined;
      default:
        return true;
    }
  }

  /** The beacon series of the pair: keyed by the local host, else the process, else the unknown source `-`. */
  #series(a: AddressEntry, rec: ConnectionRecord, port: number | undefined, source: string, time: number): void {
    let p = a.series.get(source);
    if (p === undefined) {
      const ip = a.ip!;
      const kept = detached(source);
      const key = `${kept}\u0000${ip}`;
      p = this.pairs.get(key);
      if (p === undefined) {
        p = { source: kept, destination: ip, ports: new Map(), ts: [], sizes: [] };
        this.pairs.set(key, p);
      }
      a.series.set(kept, p);
    }
    if (p.ts.length >= MAX_SERIES) return;
    if (this.options.trail !== true) {
      if (port !== undefined) bump(p.ports, port);
    } else {
      // A part's ports are in its trail, one a connection: merge counts them (`ports` stays empty).
      const t = this.#trailOf(p);
      t.ports.push(port ?? -1);
      if (rec.sizeBytes !== undefined) t.sizeAt.push(p.ts.length);
    }
    p.ts.push(Math.floor(time / 1000));
    if (rec.sizeBytes !== undefined) p.sizes.push(rec.sizeBytes);
  }

  #trailOf(p: PairSeries): SeriesTrail {
    let t = this.#trails.get(p);
    if (t === undefined) {
      t = { ports: [], sizeAt: [] };
      this.#trails.set(p, t);
    }
    return t;
  }

  /** The series as PackedSeries; each needs its trail. */
  #packed(): PackedSeries {
    if (this.options.trail !== true) throw new Error('Aggregator.part: made without options.trail, its series cannot be merged exactly');
    const n = this.pairs.size;
    let total = 0;
    let totalSizes = 0;
    for (const p of this.pairs.values()) {
      total += p.ts.length;
      totalSizes += p.sizes.length;
    }
    const out: PackedSeries = {
      sources: [],
      destinations: [],
      at: new Int32Array(n + 1),
      ts: new Float64Array(total),
      ports: new Int32Array(total),
      sizeStart: new Int32Array(n + 1),
      sizes: new Float64Array(totalSizes),
      sizeAt: new Int32Array(totalSizes),
    };
    let i = 0;
    let c = 0;
    let z = 0;
    for (const p of this.pairs.values()) {
      const t = this.#trails.get(p) ?? { ports: [], sizeAt: [] };
      out.sources.push(p.source);
      out.destinations.push(p.destination);
      out.at[i] = c;
      out.sizeStart[i] = z;
      for (let k = 0; k < p.ts.length; k++, c++) {
        out.ts[c] = p.ts[k]!;
        out.ports[c] = t.ports[k] ?? -1;
      }
      for (let k = 0; k < p.sizes.length; k++, z++) {
        out.sizes[z] = p.sizes[k]!;
        out.sizeAt[z] = t.sizeAt[k]!;
      }
      i++;
    }
    out.at[n] = c;
    out.sizeStart[n] = z;
    return out;
  }

  /** This aggregation as a part to merge into another (the file's one tally: a part reads one file). */
  part(tally: FileTally): AggregatePart {
    return {
      tally,
      destinations: this.destinations,
      series: this.#packed(),
      hours: this.hours,
      totals: this.totals,
      first: this.first,
      last: this.last,
      threatKnown: this.threatKnown,
    };
  }

  /**
   * Adds a part read after everything this aggregation has read, into `tally`: the result is what
   * reading the part's records here, in order, would have made (counts summed; a destination's first
   * result, first and last kept; every Map's keys in first-seen order; a series cut at MAX_SERIES where
   * the sequential read would have cut it, with the ports and sizes of the connections it kept).
   */
  merge(tally: FileTally, part: AggregatePart): void {
    tally.records += part.tally.records;
    tally.connections += part.tally.connections;
    tally.skipped += part.tally.skipped;
    mergeCounts(tally.reasons, part.tally.reasons);
    const t = this.totals;
    for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += part.totals[k];
    if (part.threatKnown) this.threatKnown = true;
    this.first = minOf(this.first, part.first);
    this.last = maxOf(this.last, part.last);
    mergeCounts(this.hours, part.hours);
    for (const [ip, w] of part.destinations) {
      const d = this.destinations.get(ip);
      if (d === undefined) {
        this.destinations.set(ip, w);
        continue;
      }
      d.connections += w.connections;
      if (w.bytes !== undefined) d.bytes = (d.bytes ?? 0) + w.bytes;
      d.first = minOf(d.first, w.first);
      d.last = maxOf(d.last, w.last);
      mergeCounts(d.ports, w.ports);
      mergeCounts(d.services, w.services);
      mergeCounts(d.processes, w.processes);
      mergeCounts(d.hosts, w.hosts);
      mergeCounts(d.directions, w.directions);
    }
    const sp = part.series;
    const mine = this.options.trail === true;
    for (let i = 0; i < sp.sources.length; i++) {
      const source = sp.sources[i]!;
      const destination = sp.destinations[i]!;
      const key = `${source}\u0000${destination}`;
      let p = this.pairs.get(key);
      if (p === undefined) {
        p = { source, destination, ports: new Map(), ts: [], sizes: [] };
        this.pairs.set(key, p);
      }
      // Connection by connection, as #series would have taken them, up to MAX_SERIES.
      const from = sp.at[i]!;
      const n = Math.min(MAX_SERIES - p.ts.length, sp.at[i + 1]! - from);
      const trail = mine ? this.#trailOf(p) : undefined;
      let z = sp.sizeStart[i]!;
      const zEnd = sp.sizeStart[i + 1]!;
      for (let k = 0; k < n; k++) {
        const port = sp.ports[from + k]!;
        if (trail !== undefined) trail.ports.push(port);
        else if (port >= 0) bump(p.ports, port);
        if (z < zEnd && sp.sizeAt[z] === k) {
          trail?.sizeAt.push(p.ts.length);
          p.sizes.push(sp.sizes[z]!);
          z++;
        }
        p.ts.push(sp.ts[from + k]!);
      }
    }
  }
}
