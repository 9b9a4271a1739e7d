// The audit report: the aggregation turned into the contract's JSON object (stable key order, ISO 8601 UTC times, deterministic sort).
import type { LookupResult } from '../enrich/index.js';
import { hostingOfResult, type AggregateView, type DestinationTally, type ThreatHit } from './aggregate.js';
import { byText, diffBaseline, makeBaseline, type Baseline, type SeenSets } from './baseline.js';
import { BEACON_DEFAULTS, bucketedScore, LONG_CONNECTION_THRESHOLDS, round3, scoreBeacon } from './beacons.js';
import { STROBE_CONNECTIONS, type PairSeries } from './pairs.js';

type Owner = NonNullable<LookupResult['owner']>;

export interface ReportDestination {
  readonly ip: string;
  readonly IPDestination: string | null;
  readonly label: string;
  readonly matches: LookupResult['matches'];
  readonly owner: Owner | null;
  readonly scope: string;
  readonly external: boolean;
  /** `outbound`, `inbound`, or `both` when its connections went both ways. */
  readonly direction: string;
  readonly ports: number[];
  readonly services: string[];
  readonly processes: string[];
  readonly hosts: string[];
  readonly connections: number;
  readonly bytes: number | null;
  readonly first: string | null;
  readonly last: string | null;
  /** Not in the baseline (null: no baseline given). */
  readonly new: boolean | null;
  /** `customer` when any provider match is customer space, else `first-party`, else null. */
  readonly hosting: 'first-party' | 'customer' | null;
  readonly threat: readonly ThreatHit[] | null;
  /** Why it sorts where it does: `threat`, `untagged`, `customer`, `listed` (external), `internal`. */
  readonly attention: string;
}

export interface Count {
  readonly connections: number;
  readonly destinations: number;
}

export interface ReportBeacon {
  readonly source: string;
  readonly destination: string;
  readonly port: number | null;
  readonly connections: number;
  readonly score: number;
  readonly ts: number;
  readonly ds: number | null;
  readonly dur: number;
  readonly hist: number;
  readonly hist24: readonly number[];
}

/** A pair of STROBE_CONNECTIONS timed connections or more (RITA: one a second for a day), not scored as a beacon. */
export interface ReportStrobe {
  readonly source: string;
  readonly destination: string;
  readonly port: number | null;
  readonly connections: number;
}

/** A pair whose connections' durations add up to RITA's long-connection base (1 h) or more, with RITA's score. */
export interface ReportLongConnection {
  readonly source: string;
  readonly destination: string;
  readonly port: number | null;
  readonly connections: number;
  /** Seconds, summed over the pair's connections, to the microsecond. */
  readonly duration: number;
  readonly score: number;
}

export interface AuditReport {
  readonly input: {
    readonly files: { path: string; records: number; connections: number; skipped: number; reasons: Record<string, number> }[];
    readonly first: string | null;
    readonly last: string | null;
  };
  readonly totals: { records: number; connections: number; external: number; untagged: number; skipped: number; selected: number; outside: number };
  readonly filters: { only: string | null; since: string | null; until: string | null };
  readonly destinations: ReportDestination[];
  readonly byTag: ({ tag: string } & Count)[];
  readonly byList: ({ list: string } & Count)[];
  readonly byService: ({ service: string } & Count)[];
  readonly byPort: ({ port: number } & Count)[];
  readonly byRegion: ({ region: string } & Count)[];
  readonly byHosting: ({ hosting: string } & Count)[];
  readonly byScope: ({ scope: string } & Count)[];
  readonly byDirection: ({ direction: string } & Count)[];
  readonly byOwner: ({ asn: number | null; org: string | null; country: string | null } & Count)[];
  readonly byHour: { hour: string; connections: number }[];
  readonly processes: ({ process: string; external: number; untagged: number } & Count)[];
  readonly hosts: ({ host: string; external: number; untagged: number } & Count)[];
  readonly beacons: ReportBeacon[];
  readonly strobes: ReportStrobe[];
  readonly longConnections: ReportLongConnection[];
  readonly new?: SeenSets;
  readonly gone?: SeenSets;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** Keys by count, most first; ties by the key's text order (deterministic, locale-free). */
function ranked<K>(m: ReadonlyMap<K, number>, text: (k: K) => string = String): K[] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || byText(text(a[0]), text(b[0]))).map(([k]) => k);
}

/** Read first: threat hits, then what no list explains, then customer space, then listed, then internal. */
const ATTENTION = ['threat', 'untagged', 'customer', 'listed', 'internal'] as const;

function attentionOf(d: DestinationTally): (typeof ATTENTION)[number] {
  const r = d.result;
  if (d.threat !== undefined) return 'threat';
  if (!r.external) return 'internal';
  if (r.IPDestination === null) return 'untagged';
  return hostingOfResult(r) === 'customer' ? 'customer' : 'listed';
}

export function ownerKey(o: Owner | undefined): string | null {
  if (o === undefined) return null;
  return o.asn !== undefined ? `AS${o.asn}${o.org !== undefined ? ` ${o.org}` : ''}` : (o.org ?? null);
}

/** Counts in one grouping: connections summed, destinations counted once per key. */
class Grouping<K> {
  readonly #m = new Map<K, { connections: number; destinations: number }>();
  add(k: K, connections: number): void {
    const c = this.#m.get(k);
    if (c === undefined) this.#m.set(k, { connections, destinations: 1 });
    else {
      c.connections += connections;
      c.destinations++;
    }
  }
  rows<R>(make: (k: K, c: Count) => R, text: (k: K) => string = String): R[] {
    return [...this.#m.entries()].sort((a, b) => b[1].connections - a[1].connections || byText(text(a[0]), text(b[0]))).map(([k, c]) => make(k, c));
  }
}

/** Per process or host: connections, destinations, and how many of those were external / untagged. */
class Party {
  readonly #m = new Map<string, { connections: number; destinations: number; external: number; untagged: number }>();
  add(k: string, n: number, r: LookupResult): void {
    let c = this.#m.get(k);
    if (c === undefined) this.#m.set(k, (c = { connections: 0, destinations: 0, external: 0, untagged: 0 }));
    c.connections += n;
    c.destinations++;
    if (r.external) c.external += n;
    if (r.external && r.IPDestination === null) c.untagged += n;
  }
  rows<R>(make: (k: string, c: { connections: number; destinations: number; external: number; untagged: number }) => R): R[] {
    return [...this.#m.entries()].sort((a, b) => b[1].connections - a[1].connections || byText(a[0], b[0])).map(([k, c]) => make(k, c));
  }
}

/** What this run saw, in the baseline's terms. */
export function baselineOf(agg: AggregateView): Baseline {
  const destinations: string[] = [];
  const owners: string[] = [];
  const processes: string[] = [];
  const services: string[] = [];
  const pairs: string[] = [];
  for (const [ip, d] of agg.destinations) {
    destinations.push(ip);
    const o = ownerKey(d.result.owner);
    if (o !== null) owners.push(o);
    for (const p of d.processes.keys()) {
      processes.push(p);
      pairs.push(`${p} → ${ip}`);
    }
    services.push(...d.services.keys());
  }
  return makeBaseline({ destinations, owners, processes, services, pairs }, iso(agg.first), iso(agg.last));
}

export interface ReportOptions {
  readonly baseline?: Baseline;
  readonly only?: string;
  readonly since?: number;
  readonly until?: number;
}

export function buildReport(agg: AggregateView, opts: ReportOptions = {}): AuditReport {
  const known = opts.baseline === undefined ? null : new Set(opts.baseline.destinations);
  const tallies = [...agg.destinations.values()].map((d) => ({ d, attention: attentionOf(d) }));
  tallies.sort(
    (a, b) => ATTENTION.indexOf(a.attention) - ATTENTION.indexOf(b.attention) || b.d.connections - a.d.connections || byText(a.d.result.ip, b.d.result.ip),
  );
  const byTag = new Grouping<string>();
  const byList = new Grouping<string>();
  const byService = new Grouping<string>();
  const byPort = new Grouping<number>();
  const byRegion = new Grouping<string>();
  const byHosting = new Grouping<string>();
  const byScope = new Grouping<string>();
  const byDirection = new Grouping<string>();
  const byOwner = new Grouping<string>();
  const owners = new Map<string, Owner>();
  const processes = new Party();
  const hosts = new Party();
  const destinations: ReportDestination[] = tallies.map(({ d, attention }) => {
    const r = d.result;
    byTag.add(r.label, d.connections);
    for (const l of new Set(r.matches.map((m) => m.list))) byList.add(l, d.connections);
    for (const g of new Set(r.matches.flatMap((m) => m.regions))) byRegion.add(g, d.connections);
    const hosting = hostingOfResult(r);
    byHosting.add(hosting ?? (r.external ? (r.IPDestination === null ? 'unlisted' : 'not a provider') : 'internal'), d.connections);
    byScope.add(r.scope, d.connections);
    for (const [s, n] of d.services) byService.add(s, n);
    for (const [p, n] of d.ports) byPort.add(p, n);
    for (const [dir, n] of d.directions) byDirection.add(dir, n);
    const ok = ownerKey(r.owner);
    if (ok !== null && r.owner !== undefined) {
      owners.set(ok, r.owner);
      byOwner.add(ok, d.connections);
    }
    for (const [p, n] of d.processes) processes.add(p, n, r);
    for (const [h, n] of d.hosts) hosts.add(h, n, r);
    const dirs = [...d.directions.keys()];
    return {
      ip: r.ip,
      IPDestination: r.IPDestination,
      label: r.label,
      matches: r.matches,
      owner: r.owner ?? null,
      scope: r.scope,
      external: r.external,
      direction: dirs.length === 1 ? dirs[0]! : 'both',
      ports: ranked(d.ports, (p) => String(p).padStart(5, '0')),
      services: ranked(d.services),
      processes: ranked(d.processes),
      hosts: ranked(d.hosts),
      connections: d.connections,
      bytes: d.bytes ?? null,
      first: iso(d.first),
      last: iso(d.last),
      new: known === null ? null : !known.has(r.ip),
      hosting,
      threat: d.threat ?? null,
      attention,
    };
  });
  const seen = baselineOf(agg);
  const diff = opts.baseline === undefined ? null : diffBaseline(opts.baseline, seen);
  const report: AuditReport = {
    input: {
      files: agg.files.map((f) => ({
        path: f.path,
        records: f.records,
        connections: f.connections,
        skipped: f.skipped,
        reasons: Object.fromEntries(ranked(f.reasons).map((k) => [k, f.reasons.get(k)!])),
      })),
      first: iso(agg.first),
      last: iso(agg.last),
    },
    totals: { ...agg.totals },
    filters: { only: opts.only ?? null, since: iso(opts.since), until: iso(opts.until) },
    destinations,
    byTag: byTag.rows((tag, c) => ({ tag, ...c })),
    byList: byList.rows((list, c) => ({ list, ...c })),
    byService: byService.rows((service, c) => ({ service, ...c })),
    byPort: byPort.rows(
      (port, c) => ({ port, ...c }),
      (p) => String(p).padStart(5, '0'),
    ),
    byRegion: byRegion.rows((region, c) => ({ region, ...c })),
    byHosting: byHosting.rows((hosting, c) => ({ hosting, ...c })),
    byScope: byScope.rows((scope, c) => ({ scope, ...c })),
    byDirection: byDirection.rows((direction, c) => ({ direction, ...c })),
    byOwner: byOwner.rows((k, c) => {
      const o = owners.get(k)!;
      return { asn: o.asn ?? null, org: o.org ?? null, country: o.country ?? null, ...c };
    }),
    byHour: [...agg.hours.entries()].sort((a, b) => a[0] - b[0]).map(([h, n]) => ({ hour: iso(h)!, connections: n })),
    processes: processes.rows((process, c) => ({ process, ...c })),
    hosts: hosts.rows((host, c) => ({ host, ...c })),
    ...pairAnalyses(agg),
    ...(diff !== null ? { new: diff.new, gone: diff.gone } : {}),
  };
  return report;
}

/** The pair's port with the most connections (ties: the lowest), null when none named one. */
const portOf = (p: PairSeries): number | null => ranked(p.ports, (k) => String(k).padStart(5, '0'))[0] ?? null;

const byPairText = (a: { source: string; destination: string }, b: { source: string; destination: string }): number =>
  byText(a.source, b.source) || byText(a.destination, b.destination);

/**
 * RITA's analyses of each pair: a strobe (STROBE_CONNECTIONS or more) is not scored as a beacon;
 * any other pair is, when it has the seconds; a pair whose durations add up to an hour or more is
 * a long connection. Each list highest first (score, connections, duration), then by text.
 */
function pairAnalyses(agg: AggregateView): Pick<AuditReport, 'beacons' | 'strobes' | 'longConnections'> {
  const beacons: ReportBeacon[] = [];
  const strobes: ReportStrobe[] = [];
  const longConnections: ReportLongConnection[] = [];
  const span = agg.first !== undefined && agg.last !== undefined ? [Math.floor(agg.first / 1000), Math.floor(agg.last / 1000)] : undefined;
  for (const p of agg.pairs()) {
    const base = { source: p.source, destination: p.destination, port: portOf(p), connections: p.connections };
    if (p.duration !== undefined && p.duration >= LONG_CONNECTION_THRESHOLDS.base) {
      longConnections.push({ ...base, duration: p.duration, score: round3(bucketedScore(p.duration)) });
    }
    if (p.connections >= STROBE_CONNECTIONS) {
      strobes.push(base);
      continue;
    }
    if (span === undefined || p.ts.length < BEACON_DEFAULTS.minConnections) continue;
    const s = scoreBeacon(p.ts, p.sizes, span[0]!, span[1]!, BEACON_DEFAULTS, p.counts);
    if (s === null) continue;
    beacons.push({ ...base, score: s.score, ts: s.ts, ds: s.ds, dur: s.dur, hist: s.hist, hist24: s.bars });
  }
  return {
    beacons: beacons.sort((a, b) => b.score - a.score || b.connections - a.connections || byPairText(a, b)),
    strobes: strobes.sort((a, b) => b.connections - a.connections || byPairText(a, b)),
    longConnections: longConnections.sort((a, b) => b.duration - a.duration || b.connections - a.connections || byPairText(a, b)),
  };
}
