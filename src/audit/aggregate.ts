// The audit's streaming aggregation: each connection record judged once and counted per destination, with memory bounded by distinct (destination, port, process, host) values.
import { isFailure, type ConnectionRecord, type Enricher, type Extracted, type LookupResult } from '../enrich/index.js';
import { bucketStarts, grow, IdTable, resized } from './id-table.js';

/** `--only`: which connections the report's sections count (totals always count every connection). */
export type OnlyFilter = 'external' | 'untagged' | 'customer' | 'threat';

export interface AuditOptions {
  readonly only?: OnlyFilter;
  /** Epoch milliseconds; a record without a time is left out when either bound is set. */
  readonly since?: number;
  readonly until?: number;
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
  /** The part's destinations in first-seen order, their Maps empty: `tuples` holds what they count. */
  readonly destinations: DestinationTally[];
  /** The texts the tuples name, by id. */
  readonly texts: string[];
  /**
   * Every tuple of the part in first-seen order, six numbers each: the index in `destinations`,
   * port·2 + inbound (port -1: none), the service, process and host text ids (-1: none), and the
   * connections counted.
   */
  readonly tuples: Int32Array;
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
  readonly ts: Float64Array;
  /** RITA's data size per connection (the originator's IP bytes); entries only for records that gave one. */
  readonly sizes: Float64Array;
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
  /** Its destination's id, once a record counted for it; NO_ID before. */
  dest: number;
}

const NO_ID = -1;

/**
 * Each kept connection of the beacon series, in arrival order, as flat columns: its pair's id, its
 * second, its port (-1: none) and, for the connections that gave one, its size. Grouped by pair
 * only when the series are read, so a new pair costs no object and no arrays while records stream.
 */
class SeriesLog {
  pair: Int32Array = new Int32Array(1024);
  sec: Float64Array = new Float64Array(1024);
  port: Int32Array = new Int32Array(1024);
  n = 0;
  /** The index in the log of each connection that gave a size, and the size. */
  sizeAt: Int32Array = new Int32Array(64);
  size: Float64Array = new Float64Array(64);
  sizes = 0;

  push(pair: number, sec: number, port: number, size: number | undefined): void {
    const i = this.n++;
    if (i === this.pair.length) {
      this.pair = grow(this.pair, i + 1);
      this.sec = grow(this.sec, i + 1);
      this.port = grow(this.port, i + 1);
    }
    this.pair[i] = pair;
    this.sec[i] = sec;
    this.port[i] = port;
    if (size !== undefined) {
      const z = this.sizes++;
      if (z === this.sizeAt.length) {
        this.sizeAt = grow(this.sizeAt, z + 1);
        this.size = grow(this.size, z + 1);
      }
      this.sizeAt[z] = i;
      this.size[z] = size;
    }
  }

  /** Room for `more` connections and `moreSizes` sizes, exactly: a merge knows how many it appends. */
  reserve(more: number, moreSizes: number): void {
    if (this.n + more > this.pair.length) {
      this.pair = resized(this.pair, this.n + more);
      this.sec = resized(this.sec, this.n + more);
      this.port = resized(this.port, this.n + more);
    }
    if (this.sizes + moreSizes > this.sizeAt.length) {
      this.sizeAt = resized(this.sizeAt, this.sizes + moreSizes);
      this.size = resized(this.size, this.sizes + moreSizes);
    }
  }

  /**
   * Takes the grouped columns as the log itself (each pair's connections together, in arrival
   * order; grouping again keeps that order): the series' views and the log share one copy.
   */
  adopt(g: Grouped): void {
    const pairs = g.at.length - 1;
    this.pair = new Int32Array(this.n);
    for (let id = 0; id < pairs; id++) this.pair.fill(id, g.at[id]!, g.at[id + 1]!);
    this.sec = g.ts;
    this.port = g.ports;
    this.sizeAt = new Int32Array(this.sizes);
    for (let id = 0; id < pairs; id++) for (let k = g.sizeStart[id]!; k < g.sizeStart[id + 1]!; k++) this.sizeAt[k] = g.at[id]! + g.sizeAt[k]!;
    this.size = g.sizes;
  }
}

/** A log's columns grouped by pair: PackedSeries without the pairs' names. */
type Grouped = Omit<PackedSeries, 'sources' | 'destinations'>;

/**
 * Feeds on records, one at a time; holds per destination only counters and small maps, and per
 * external (source, destination) pair the timestamps the beacon score needs (at most MAX_SERIES).
 * An address is classified once, at its first record: attribution and `--only` depend on the
 * address alone, and the port, process and direction come from the record's own facts.
 *
 * While records stream, a record is counted under integer ids: its destination, its texts
 * (service, process, host, each kept once), the tuple (destination, port and direction, service,
 * process, host) and the (source, destination) pair, in IdTables. The destinations' Maps and the
 * pairs' series are made from those counts when the aggregation is read (`destinations`, `pairs`,
 * `hours`, `part`, `merge`), tuple by tuple and connection by connection in first-seen order:
 * every Map then holds its keys in the order counting record by record would have given them.
 */
export class Aggregator {
  readonly enricher: Enricher;
  readonly options: AuditOptions;
  readonly files: FileTally[] = [];
  totals = { records: 0, connections: 0, external: 0, untagged: 0, skipped: 0, selected: 0, outside: 0 };
  first: number | undefined;
  last: number | undefined;
  /** A result carried a `threat` field: `--only threat` can be applied. */
  threatKnown = false;
  /** By the address text as the records give it (`::FFFF:1.2.3.4` and `1.2.3.4` are two texts, one destination). */
  readonly #addresses = new Map<string, AddressEntry>();
  /** Destinations by address, in first-seen order; and by id. */
  readonly #destinations = new Map<string, DestinationTally>();
  readonly #destIds = new Map<string, number>();
  readonly #tallies: DestinationTally[] = [];
  /** Every text a tuple or pair names, kept once (a copy, not a slice of a line), by id. */
  readonly #texts = new Map<string, number>();
  readonly #textOf: string[] = [];
  /** (destination, port·2 + inbound, service, process, host) → tuple id; each tuple's connections not yet in the Maps. */
  readonly #tuples = new IdTable();
  #pending = new Int32Array(1024);
  /** Each tuple's connections in all: what a part hands over, whether or not its Maps were made. */
  #count = new Int32Array(1024);
  /** (source text, destination) → pair id; each pair's kept connections; its series once read. */
  readonly #pairIds = new IdTable();
  #kept = new Int32Array(1024);
  readonly #log = new SeriesLog();
  /** The series as last made from the log, and the log's length then. */
  #pairs = new Map<string, PairSeries>();
  #pairsAt = 0;
  /** Connections per hour (start of the hour, epoch ms); the hour of the last timed record and its connections not yet in the Map (logs run in time order). */
  readonly #hours = new Map<number, number>();
  #hour = NaN;
  #hourPending = 0;

  /** The text id of `-`, the source of a pair whose records name no host and no process. */
  readonly #unknownSource: number;

  constructor(enricher: Enricher, options: AuditOptions = {}) {
    this.enricher = enricher;
    this.options = options;
    this.#unknownSource = this.#textId('-');
  }

  /** Every destination, in first-seen order, its Maps up to date. */
  get destinations(): ReadonlyMap<string, DestinationTally> {
    this.#settleTuples();
    return this.#destinations;
  }

  /** Every beacon series, by `${source}\u0000${destination}`, in first-seen order. */
  get pairs(): ReadonlyMap<string, PairSeries> {
    if (this.#pairsAt !== this.#log.n || this.#pairs.size !== this.#pairIds.size) this.#makeSeries();
    return this.#pairs;
  }

  /** Connections per hour (start of the hour, epoch ms): the report's time chart. */
  get hours(): ReadonlyMap<number, number> {
    this.#settleHour();
    return this.#hours;
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
      const hour = time - (time % 3600000);
      if (hour !== this.#hour) {
        this.#settleHour();
        this.#hour = hour;
      }
      this.#hourPending++;
    }
    const id = a.dest !== NO_ID ? a.dest : this.#destinationOf(a, x);
    const d = this.#tallies[id]!;
    const c = x.context;
    d.connections++;
    if (rec.bytes !== undefined) d.bytes = (d.bytes ?? 0) + rec.bytes;
    if (time !== undefined) {
      if (d.first === undefined || time < d.first) d.first = time;
      if (d.last === undefined || time > d.last) d.last = time;
    }
    const port = c.port ?? -1;
    const service = this.#textId(c.service ?? (c.port === undefined ? (c.protocol ?? 'none') : 'other'));
    const process = c.process === undefined ? NO_ID : this.#textId(c.process);
    const host = rec.host === undefined ? NO_ID : this.#textId(rec.host);
    const tuple = this.#tuples.id(id, port * 2 + (c.direction === 'inbound' ? 1 : 0), service, process, host);
    if (tuple === this.#pending.length) this.#growTuples(tuple);
    this.#pending[tuple]!++;
    this.#count[tuple]!++;
    if (a.external && time !== undefined) {
      // The pair's source: the local host, else the process, else the unknown source `-`.
      const source = host !== NO_ID ? host : process !== NO_ID ? process : this.#unknownSource;
      const pair = this.#pairIds.id(source, id, 0, 0, 0);
      if (pair === this.#kept.length) this.#kept = grow(this.#kept, pair + 1);
      if (this.#kept[pair]! < MAX_SERIES) {
        this.#kept[pair]!++;
        this.#log.push(pair, Math.floor(time / 1000), port, rec.sizeBytes);
      }
    }
  }

  #growTuples(id: number): void {
    this.#pending = grow(this.#pending, id + 1);
    this.#count = grow(this.#count, id + 1);
  }

  /** The id of a text, kept as its own copy when new: a value cut from a line must not keep the line alive. */
  #textId(s: string): number {
    let id = this.#texts.get(s);
    if (id === undefined) {
      id = this.#textOf.length;
      const kept = detached(s);
      this.#textOf.push(kept);
      this.#texts.set(kept, id);
    }
    return id;
  }

  /** The entry of an address text, judged at its first record. */
  #entryOf(x: Extracted): AddressEntry {
    const key = typeof x.value === 'string' ? x.value : undefined;
    let a = key === undefined ? undefined : this.#addresses.get(key);
    if (a !== undefined) return a;
    const r = this.enricher.judgeExtracted(x);
    if (isFailure(r)) {
      const skip = r.error.code === 'NO_ADDRESS' ? 'no address (NO_ADDRESS)' : 'invalid address (INVALID_ADDRESS)';
      a = { ip: undefined, skip, external: false, untagged: false, selected: false, threat: undefined, first: undefined, dest: NO_ID };
    } else {
      if ('threat' in r) this.threatKnown = true;
      const threat = threatOf(r);
      const selected = this.#selected(r, threat);
      a = {
        ip: this.#destinations.get(r.ip)?.result.ip ?? detached(r.ip),
        skip: undefined,
        external: r.external,
        untagged: r.external && r.IPDestination === null,
        selected,
        threat,
        first: selected ? r : undefined,
        dest: NO_ID,
      };
    }
    // A non-string value (a number, an object) is judged again each time: it is skipped anyway.
    if (key !== undefined) this.#addresses.set(detached(key), a);
    return a;
  }

  /** The destination of an entry at its first counted record (another text of the same address may have made it). */
  #destinationOf(a: AddressEntry, x: Extracted): number {
    const ip = a.ip!;
    let id = this.#destIds.get(ip);
    if (id === undefined) {
      // The first counted connection's result: the entry's first one unless the time window left that out.
      const first = a.first !== undefined && this.totals.outside === 0 ? a.first : (this.enricher.judgeExtracted(x) as LookupResult);
      id = this.#addDestination({
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
      });
    }
    a.dest = id;
    a.first = undefined;
    return id;
  }

  #addDestination(d: DestinationTally): number {
    const id = this.#tallies.length;
    this.#tallies.push(d);
    this.#destIds.set(d.result.ip, id);
    this.#destinations.set(d.result.ip, d);
    return id;
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

  /** Moves each tuple's pending connections into its destination's Maps, in the tuples' first-seen order. */
  #settleTuples(): void {
    const tuples = this.#tuples;
    const pending = this.#pending;
    const text = this.#textOf;
    // Destination by destination (a stable counting sort of the tuples): one destination's Maps at
    // a time stay in the cache, and each Map still takes its tuples in first-seen order.
    const destOf = (u: number): number => (pending[u] !== 0 ? tuples.field(u, 0) : NO_ID);
    const dests = this.#tallies.length;
    const next = bucketStarts(dests, tuples.size, destOf);
    const order = new Int32Array(next[dests]!);
    for (let u = 0; u < tuples.size; u++) {
      const d = destOf(u);
      if (d !== NO_ID) order[next[d]!++] = u;
    }
    for (const u of order) {
      const n = pending[u]!;
      pending[u] = 0;
      const d = this.#tallies[tuples.field(u, 0)]!;
      const portDirection = tuples.field(u, 1);
      const port = Math.floor(portDirection / 2);
      const process = tuples.field(u, 3);
      const host = tuples.field(u, 4);
      if (port >= 0) bump(d.ports, port, n);
      bump(d.services, text[tuples.field(u, 2)]!, n);
      if (process !== NO_ID) bump(d.processes, text[process]!, n);
      if (host !== NO_ID) bump(d.hosts, text[host]!, n);
      bump(d.directions, (portDirection & 1) === 1 ? 'inbound' : 'outbound', n);
    }
  }

  #settleHour(): void {
    if (this.#hourPending > 0) bump(this.#hours, this.#hour, this.#hourPending);
    this.#hourPending = 0;
  }

  /**
   * Makes every pair's series from the log, in first-seen order: each a view of the grouped columns
   * (no copy a connection), its ports counted a run of equal ports at a time (a beacon keeps its port).
   */
  #makeSeries(): void {
    const g = this.#grouped();
    this.#log.adopt(g);
    const pairs = new Map<string, PairSeries>();
    for (let id = 0; id < this.#pairIds.size; id++) {
      const source = this.#textOf[this.#pairIds.field(id, 0)]!;
      const destination = this.#tallies[this.#pairIds.field(id, 1)]!.result.ip;
      const from = g.at[id]!;
      const to = g.at[id + 1]!;
      const ports = new Map<number, number>();
      let runPort = -1;
      let run = 0;
      for (let k = from; k < to; k++) {
        const port = g.ports[k]!;
        if (port !== runPort) {
          if (runPort >= 0) bump(ports, runPort, run);
          runPort = port;
          run = 0;
        }
        run++;
      }
      if (runPort >= 0) bump(ports, runPort, run);
      pairs.set(`${source}\u0000${destination}`, {
        source,
        destination,
        ports,
        ts: g.ts.subarray(from, to),
        sizes: g.sizes.subarray(g.sizeStart[id]!, g.sizeStart[id + 1]!),
      });
    }
    this.#pairs = pairs;
    this.#pairsAt = this.#log.n;
  }

  /**
   * The logged connections grouped by pair (a counting sort, which keeps each pair's arrival order),
   * with each connection's port and which ones gave a size: what `merge` needs to cut a series
   * where the sequential read would have.
   */
  #grouped(): Grouped {
    const log = this.#log;
    const n = this.#pairIds.size;
    const at = bucketStarts(n, log.n, (i) => log.pair[i]!);
    const next = at.slice(0, n);
    const ts = new Float64Array(log.n);
    const ports = new Int32Array(log.n);
    const where = new Int32Array(log.n);
    for (let i = 0; i < log.n; i++) {
      const k = next[log.pair[i]!]!++;
      ts[k] = log.sec[i]!;
      ports[k] = log.port[i]!;
      where[i] = k;
    }
    const sizeStart = bucketStarts(n, log.sizes, (z) => log.pair[log.sizeAt[z]!]!);
    const sizeNext = sizeStart.slice(0, n);
    const sizes = new Float64Array(log.sizes);
    const sizeAt = new Int32Array(log.sizes);
    for (let z = 0; z < log.sizes; z++) {
      const i = log.sizeAt[z]!;
      const pair = log.pair[i]!;
      const k = sizeNext[pair]!++;
      sizes[k] = log.size[z]!;
      sizeAt[k] = where[i]! - at[pair]!;
    }
    return { at, ts, ports, sizeStart, sizes, sizeAt };
  }

  /** The logged series as PackedSeries, for a part. */
  #packed(): PackedSeries {
    const sources: string[] = [];
    const destinations: string[] = [];
    for (let id = 0; id < this.#pairIds.size; id++) {
      sources.push(this.#textOf[this.#pairIds.field(id, 0)]!);
      destinations.push(this.#tallies[this.#pairIds.field(id, 1)]!.result.ip);
    }
    return { sources, destinations, ...this.#grouped() };
  }

  /** This aggregation as a part to merge into another (the file's one tally: a part reads one file). */
  part(tally: FileTally): AggregatePart {
    const n = this.#tuples.size;
    const tuples = new Int32Array(n * 6);
    for (let u = 0; u < n; u++) {
      for (let k = 0; k < 5; k++) tuples[u * 6 + k] = this.#tuples.field(u, k);
      tuples[u * 6 + 5] = this.#count[u]!;
    }
    return {
      tally,
      // Ids are indexes here: destination i of the part is #tallies[i].
      destinations: this.#tallies.map((d) => ({ ...d, ports: new Map(), services: new Map(), processes: new Map(), hosts: new Map(), directions: new Map() })),
      texts: this.#textOf,
      tuples,
      series: this.#packed(),
      hours: this.hours as Map<number, number>,
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
    this.#settleHour();
    mergeCounts(this.#hours, part.hours);
    // The part's destinations, tuples and texts, as ids of this aggregation. A tuple first seen in
    // the part gets an id after every tuple here: settling in id order keeps first-seen order.
    const destIds = new Int32Array(part.destinations.length);
    part.destinations.forEach((w, i) => {
      const id = this.#destIds.get(w.result.ip);
      if (id === undefined) {
        destIds[i] = this.#addDestination(w);
        return;
      }
      destIds[i] = id;
      const d = this.#tallies[id]!;
      d.connections += w.connections;
      if (w.bytes !== undefined) d.bytes = (d.bytes ?? 0) + w.bytes;
      d.first = minOf(d.first, w.first);
      d.last = maxOf(d.last, w.last);
    });
    const texts = new Int32Array(part.texts.length).fill(NO_ID);
    const text = (i: number): number => (i === NO_ID ? NO_ID : texts[i] !== NO_ID ? texts[i]! : (texts[i] = this.#textId(part.texts[i]!)));
    const pt = part.tuples;
    for (let o = 0; o < pt.length; o += 6) {
      const tuple = this.#tuples.id(destIds[pt[o]!]!, pt[o + 1]!, text(pt[o + 2]!), text(pt[o + 3]!), text(pt[o + 4]!));
      if (tuple >= this.#pending.length) this.#growTuples(tuple);
      this.#pending[tuple]! += pt[o + 5]!;
      this.#count[tuple]! += pt[o + 5]!;
    }
    const sp = part.series;
    const log = this.#log;
    log.reserve(sp.ts.length, sp.sizes.length);
    for (let i = 0; i < sp.sources.length; i++) {
      const destination = this.#destIds.get(sp.destinations[i]!);
      if (destination === undefined) throw new Error(`Aggregator.merge: a series of ${sp.destinations[i]!}, a destination the part does not hold`);
      const pair = this.#pairIds.id(this.#textId(sp.sources[i]!), destination, 0, 0, 0);
      if (pair >= this.#kept.length) this.#kept = grow(this.#kept, pair + 1);
      // Connection by connection, as add would have taken them, up to MAX_SERIES.
      const from = sp.at[i]!;
      const n = Math.min(MAX_SERIES - this.#kept[pair]!, sp.at[i + 1]! - from);
      let z = sp.sizeStart[i]!;
      const zEnd = sp.sizeStart[i + 1]!;
      for (let k = 0; k < n; k++) {
        let size: number | undefined;
        if (z < zEnd && sp.sizeAt[z] === k) size = sp.sizes[z++]!;
        log.push(pair, sp.ts[from + k]!, sp.ports[from + k]!, size);
      }
      this.#kept[pair]! += n;
    }
  }
}
