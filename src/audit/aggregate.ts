// The audit's streaming aggregation: each connection record judged once and counted per destination, with memory bounded by distinct (destination, port, process, host) values.
import { isFailure, type ConnectionRecord, type Enricher, type Extracted, type LookupResult, type NetfilterScan } from '../enrich/index.js';
import { grow, IdTable, layOutByBucket } from './id-table.js';
import { PairTable, type PackedPairs, type PairSeries } from './pairs.js';

/** `--only`: which connections the report's sections count (totals always count every connection). */
export type OnlyFilter = 'external' | 'untagged' | 'customer' | 'threat';

export interface AuditOptions {
  readonly only?: OnlyFilter;
  /** Epoch milliseconds; a record without a time is left out when either bound is set. */
  readonly since?: number;
  readonly until?: number;
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
  readonly pairs: PackedPairs;
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

/** What the report reads of an aggregation: the CLI's Aggregator, or the view the service's live audit makes (live.ts). */
export interface AggregateView {
  readonly files: readonly FileTally[];
  readonly destinations: ReadonlyMap<string, DestinationTally>;
  /** Every (source, external destination) pair, in first-seen order. */
  pairs(): Iterable<PairSeries>;
  readonly hours: ReadonlyMap<number, number>;
  readonly totals: Aggregator['totals'];
  readonly first: number | undefined;
  readonly last: number | undefined;
}

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
 * Feeds on records, one at a time; holds per destination only counters and small maps, and per
 * external (source, destination) pair its connections in each distinct second (pairs.ts).
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
  /**
   * Each tuple's pair id + 1 and (pair, port) id + 1 (0: not asked yet): both follow from the
   * tuple (its destination, port, process and host), so a record finds them without a lookup.
   */
  #tuplePair = new Int32Array(1024);
  #tuplePort = new Int32Array(1024);
  /** The (source text, destination) pairs of timed external connections: beacons, strobes, long connections. */
  readonly #pairTable = new PairTable();
  /** Connections per hour (start of the hour, epoch ms); the hour of the last timed record and its connections not yet in the Map (logs run in time order). */
  readonly #hours = new Map<number, number>();
  #hour = NaN;
  #hourPending = 0;

  /**
   * addNetfilter's caches: an IPv4 address (its canonical text's number) → its entry, and → its
   * text id as a host; a service key → its text id + 1 (0: not met). The address tables use one
   * of IdTable's five fields: a number above 2^30 would be a heap number as a Map key.
   */
  readonly #v4Addresses = new IdTable();
  readonly #v4Entries: (AddressEntry | undefined)[] = [];
  readonly #v4Hosts = new IdTable();
  readonly #v4HostTexts: (number | undefined)[] = [];
  readonly #serviceTexts = new Int32Array(65536 + 4);

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

  /** Every pair, in first-seen order, made one at a time as it is read. */
  pairs(): IterableIterator<PairSeries> {
    const text = this.#textOf;
    const tallies = this.#tallies;
    return this.#pairTable.series((source, destination) => [text[source]!, tallies[destination]!.result.ip]);
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
    const time = rec.time;
    const id = this.#counted(file, a, x, time, rec.bytes);
    if (id === NO_ID) return;
    const c = x.context;
    const service = this.#textId(c.service ?? (c.port === undefined ? (c.protocol ?? 'none') : 'other'));
    const process = c.process === undefined ? NO_ID : this.#textId(c.process);
    const host = rec.host === undefined ? NO_ID : this.#textId(rec.host);
    this.#countTuple(a, id, c.port ?? -1, c.direction === 'inbound', service, process, host, time, rec.sizeBytes, rec.duration);
  }

  /**
   * `add` of the netfilter line `scan` read, with no string or object made once its address, host
   * and service were met: the same counts. False when the line's address has no entry yet, or a
   * selected one whose destination is not made (then `add` its record: judging an address and
   * making its destination stay the general path's). An entry not selected by --only never makes
   * one, and is counted here.
   */
  addNetfilter(file: FileTally, scan: NetfilterScan, line: string): boolean {
    const slot = this.#v4Addresses.id(scan.remote | 0, 0, 0, 0, 0);
    let a = this.#v4Entries[slot];
    if (a === undefined) {
      a = this.#addresses.get(line.slice(scan.remoteStart, scan.remoteEnd));
      // An entry is kept here once nothing is left to make for it at a later record.
      if (a === undefined || a.ip === undefined || (a.dest === NO_ID && a.selected)) return false;
      this.#v4Entries[slot] = a;
    }
    const time = scan.time;
    const id = this.#counted(file, a, undefined, time, undefined);
    if (id === NO_ID) return true;
    // The texts in the order `add` makes them: service, then host.
    const key = scan.serviceKey;
    let service = this.#serviceTexts[key]! - 1;
    if (service < 0) {
      service = this.#textId(scan.serviceText);
      this.#serviceTexts[key] = service + 1;
    }
    const hostSlot = this.#v4Hosts.id(scan.local | 0, 0, 0, 0, 0);
    let host = this.#v4HostTexts[hostSlot];
    if (host === undefined) {
      host = this.#textId(line.slice(scan.localStart, scan.localEnd));
      this.#v4HostTexts[hostSlot] = host;
    }
    this.#countTuple(a, id, scan.port, scan.inbound, service, NO_ID, host, time, undefined, undefined);
    return true;
  }

  /**
   * Counts a record of a judged address into the totals, its hour and its destination; its
   * destination's id, or NO_ID when the record stops there (outside --since/--until, or not
   * selected by --only). `x` makes the destination at its first counted record; addNetfilter
   * passes none, and calls this only for an entry that has its destination or is not selected
   * (which returns before the destination is asked for).
   */
  #counted(file: FileTally, a: AddressEntry, x: Extracted | undefined, time: number | undefined, bytes: number | undefined): number {
    file.records++;
    file.connections++;
    const t = this.totals;
    t.records++;
    t.connections++;
    if (a.external) t.external++;
    if (a.untagged) t.untagged++;
    const o = this.options;
    if (o.since !== undefined || o.until !== undefined) {
      if (time === undefined || (o.since !== undefined && time < o.since) || (o.until !== undefined && time > o.until)) {
        t.outside++;
        return NO_ID;
      }
    }
    if (!a.selected) return NO_ID;
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
    const id = a.dest !== NO_ID ? a.dest : this.#destinationOf(a, x!);
    const d = this.#tallies[id]!;
    d.connections++;
    if (bytes !== undefined) d.bytes = (d.bytes ?? 0) + bytes;
    if (time !== undefined) {
      if (d.first === undefined || time < d.first) d.first = time;
      if (d.last === undefined || time > d.last) d.last = time;
    }
    return id;
  }

  /** Counts a counted record under its tuple, and under its pair when it is a timed external connection. */
  #countTuple(
    a: AddressEntry,
    id: number,
    port: number,
    inbound: boolean,
    service: number,
    process: number,
    host: number,
    time: number | undefined,
    size: number | undefined,
    duration: number | undefined,
  ): void {
    const tuple = this.#tuples.id(id, port * 2 + (inbound ? 1 : 0), service, process, host);
    if (tuple === this.#pending.length) this.#growTuples(tuple);
    this.#pending[tuple]!++;
    this.#count[tuple]!++;
    if (a.external && time !== undefined) {
      // The pair's source: the local host, else the process, else the unknown source `-`.
      const source = host !== NO_ID ? host : process !== NO_ID ? process : this.#unknownSource;
      const pairs = this.#pairTable;
      let pair = this.#tuplePair[tuple]! - 1;
      let pairPort: number;
      if (pair < 0) {
        pair = pairs.pair(source, id);
        pairPort = port >= 0 ? pairs.port(pair, port) : -1;
        this.#tuplePair[tuple] = pair + 1;
        this.#tuplePort[tuple] = pairPort + 1;
      } else pairPort = this.#tuplePort[tuple]! - 1;
      pairs.add(pair, pairPort, Math.floor(time / 1000), size, duration);
    }
  }

  #growTuples(id: number): void {
    this.#pending = grow(this.#pending, id + 1);
    this.#count = grow(this.#count, id + 1);
    this.#tuplePair = grow(this.#tuplePair, id + 1);
    this.#tuplePort = grow(this.#tuplePort, id + 1);
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
    const order = new Int32Array(tuples.size);
    const starts = layOutByBucket(this.#tallies.length, tuples.size, destOf, (u, k) => (order[k] = u));
    for (const u of order.subarray(0, starts[this.#tallies.length]!)) {
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
      pairs: this.#pairTable.pack(),
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
   * result, first and last kept; every Map's keys in first-seen order; a pair's seconds, ports and
   * sizes as if counted here).
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
    const destination = (i: number): number => destIds[i]!;
    this.#pairTable.merge(part.pairs, text, destination);
  }
}
