// The audit's streaming aggregation: each connection record judged once and counted per destination, with memory bounded by distinct (destination, port, process, host) values.
import { isFailure, type ConnectionRecord, type Enricher, type LookupResult } from '../enrich/index.js';

/** `--only`: which connections the report's sections count (totals always count every connection). */
export type OnlyFilter = 'external' | 'untagged' | 'customer' | 'threat';

export interface AuditOptions {
  readonly only?: OnlyFilter;
  /** Epoch milliseconds; a record without a time is left out when either bound is set. */
  readonly since?: number;
  readonly until?: number;
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

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** What a file adds to: records, connections and skips, by reason. */
export function newFileTally(path: string): FileTally {
  return { path, records: 0, connections: 0, skipped: 0, reasons: new Map() };
}

/**
 * Feeds on records, one at a time; holds per destination only counters and small maps, and per
 * external (source, destination) pair the timestamps the beacon score needs (at most MAX_SERIES).
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
    const r = this.enricher.judge(rec.event);
    if (isFailure(r)) {
      this.skip(file, r.error.code === 'NO_ADDRESS' ? 'no address (NO_ADDRESS)' : 'invalid address (INVALID_ADDRESS)');
      return;
    }
    file.records++;
    file.connections++;
    const t = this.totals;
    t.records++;
    t.connections++;
    if (r.external) t.external++;
    if (r.external && r.IPDestination === null) t.untagged++;
    if ('threat' in r) this.threatKnown = true;
    const o = this.options;
    const time = rec.time;
    if (o.since !== undefined || o.until !== undefined) {
      if (time === undefined || (o.since !== undefined && time < o.since) || (o.until !== undefined && time > o.until)) {
        t.outside++;
        return;
      }
    }
    const threat = threatOf(r);
    if (!this.#selected(r, threat)) return;
    t.selected++;
    if (time !== undefined) {
      if (this.first === undefined || time < this.first) this.first = time;
      if (this.last === undefined || time > this.last) this.last = time;
      bump(this.hours, time - (time % 3600000));
    }
    let d = this.destinations.get(r.ip);
    if (d === undefined) {
      d = {
        result: r,
        threat,
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
      this.destinations.set(r.ip, d);
    }
    d.connections++;
    if (rec.bytes !== undefined) d.bytes = (d.bytes ?? 0) + rec.bytes;
    if (time !== undefined) {
      if (d.first === undefined || time < d.first) d.first = time;
      if (d.last === undefined || time > d.last) d.last = time;
    }
    if (r.port !== undefined) bump(d.ports, r.port);
    bump(d.services, r.service ?? (r.port === undefined ? (r.protocol ?? 'none') : 'other'));
    if (r.process !== undefined) bump(d.processes, r.process);
    if (rec.host !== undefined) bump(d.hosts, rec.host);
    bump(d.directions, r.direction ?? 'outbound');
    if (r.external && time !== undefined) this.#series(rec, r, time);
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
  #series(rec: ConnectionRecord, r: LookupResult, time: number): void {
    const source = rec.host ?? r.process ?? '-';
    const key = `${source}\u0000${r.ip}`;
    let p = this.pairs.get(key);
    if (p === undefined) {
      p = { source, destination: r.ip, ports: new Map(), ts: [], sizes: [] };
      this.pairs.set(key, p);
    }
    if (p.ts.length >= MAX_SERIES) return;
    if (r.port !== undefined) bump(p.ports, r.port);
    p.ts.push(Math.floor(time / 1000));
    if (rec.sizeBytes !== undefined) p.sizes.push(rec.sizeBytes);
  }
}
