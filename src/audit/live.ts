// The live audit: the report over what the service has judged since it started, in memory bounded whatever the traffic (Space-Saving top-K per unbounded section, exact totals).
import { isFailure, type Result } from '../enrich/index.js';
import { newFileTally, type AggregateView, type DestinationTally, type FileTally, type ThreatHit } from './aggregate.js';
import { byText } from './baseline.js';
import { baselineOf, buildReport, ownerKey, type AuditReport, type Count, type ReportDestination } from './report.js';

/** How much the live audit keeps. Every count it reports is exact or within `bounds` of the truth. */
export interface LiveLimits {
  /** Destination addresses tracked (Space-Saving). */
  readonly destinations: number;
  readonly processes: number;
  readonly hosts: number;
  readonly owners: number;
  /** Services: a port family, `other`, or the event's protocol text (which a client writes, so unbounded). */
  readonly services: number;
  /** Ports, processes, hosts, services and directions kept per tracked destination (first seen first). */
  readonly perDestination: number;
  /** Destinations and owners listed in `new` (first seen since start); beyond this they are only counted. */
  readonly newListed: number;
  /** Hours of the time chart kept (the oldest go first). */
  readonly hours: number;
}

export const LIVE_LIMITS: LiveLimits = Object.freeze({
  destinations: 1000,
  processes: 200,
  hosts: 200,
  owners: 500,
  services: 100,
  perDestination: 16,
  newListed: 10_000,
  hours: 168,
});

/** One tracked key of a Space-Saving summary: `count` is at most `error` over its true count. */
export interface Slot<K, V> {
  key: K;
  count: number;
  /** The count the key inherited when it took this slot over: the most its count can be over the truth. */
  error: number;
  /** Position in the min-heap. */
  at: number;
  readonly value: V;
}

/**
 * Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi 2005) over a min-heap of `capacity`
 * slots. A key not tracked takes over the slot of the least count and inherits that count as its
 * error, so every count is an overestimate by at most the least count, which never exceeds N/K
 * (N: the total counted, K: the capacity), and every key whose true count is over N/K is tracked.
 * A counted key that is tracked costs a map lookup and a few heap steps, no allocation; a slot is
 * reused when taken over (its value reset, not made again).
 */
export class TopK<K, V> {
  readonly capacity: number;
  readonly #slots = new Map<K, Slot<K, V>>();
  readonly #heap: Slot<K, V>[] = [];
  readonly #make: () => V;
  readonly #reset: (value: V) => void;
  /** Everything counted (N). */
  total = 0;
  /** Slots taken over from another key. */
  evictions = 0;

  constructor(capacity: number, make: () => V, reset: (value: V) => void = () => {}) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`TopK capacity must be a whole number of at least 1, got ${capacity}`);
    this.capacity = capacity;
    this.#make = make;
    this.#reset = reset;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** The most any reported count is over its key's true count: the least count once full, else 0 (nothing was evicted). */
  get maxError(): number {
    return this.#slots.size < this.capacity ? 0 : this.#heap[0]!.count;
  }

  get(key: K): Slot<K, V> | undefined {
    return this.#slots.get(key);
  }

  /**
   * Counts `n` for `key`; the slot it is now in. `fresh` is set when the key was not tracked
   * before this call (the caller fills the reset value).
   */
  add(key: K, n = 1): Slot<K, V> {
    this.total += n;
    let s = this.#slots.get(key);
    if (s !== undefined) {
      s.count += n;
      this.#down(s.at);
      this.fresh = false;
      return s;
    }
    this.fresh = true;
    const heap = this.#heap;
    if (heap.length < this.capacity) {
      s = { key, count: n, error: 0, at: heap.length, value: this.#make() };
      heap.push(s);
      this.#slots.set(key, s);
      this.#up(s.at);
      return s;
    }
    s = heap[0]!;
    this.#slots.delete(s.key);
    this.evictions++;
    s.key = key;
    s.error = s.count;
    s.count += n;
    this.#reset(s.value);
    this.#slots.set(key, s);
    this.#down(0);
    return s;
  }

  /** Whether the last add() started tracking its key. */
  fresh = false;

  slots(): IterableIterator<Slot<K, V>> {
    return this.#slots.values();
  }

  clear(): void {
    this.#slots.clear();
    this.#heap.length = 0;
    this.total = 0;
    this.evictions = 0;
  }

  #up(i: number): void {
    const h = this.#heap;
    const s = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = h[p]!;
      if (ps.count <= s.count) break;
      h[i] = ps;
      ps.at = i;
      i = p;
    }
    h[i] = s;
    s.at = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const s = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.count < h[l]!.count ? r : l;
      const cs = h[c]!;
      if (cs.count >= s.count) break;
      h[i] = cs;
      cs.at = i;
      i = c;
    }
    h[i] = s;
    s.at = i;
  }
}

/**
 * A distinct count in 2 KiB: HyperLogLog (Flajolet et al. 2007) with 2^11 registers, standard
 * error 1.04/√2048 ≈ 2.3 %. Only for what lies beyond the listed set of `new`.
 */
class DistinctCount {
  readonly #reg = new Uint8Array(2048);

  add(text: string): void {
    // FNV-1a, then murmur3's finaliser: FNV alone spreads short, similar texts (addresses) poorly.
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const idx = h >>> 21;
    const rest = (h << 11) | 0x400; // the 21 low bits, and a stop bit past them
    const rank = Math.clz32(rest) + 1;
    if (rank > this.#reg[idx]!) this.#reg[idx] = rank;
  }

  estimate(): number {
    const m = this.#reg.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.#reg) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    // Small cardinalities: linear counting is the better estimate.
    return Math.round(raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw);
  }

  clear(): void {
    this.#reg.fill(0);
  }
}

/** Keys first seen since the start: the first `limit` listed exactly, all of them counted (exactly while none was left out). */
class FirstSeen {
  readonly limit: number;
  readonly listed = new Set<string>();
  readonly #beyond = new DistinctCount();
  #full = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(key: string): void {
    if (!this.#full) {
      if (this.listed.has(key)) return;
      if (this.listed.size < this.limit) {
        this.listed.add(key);
        return;
      }
      // From here on the listed keys go into the estimate too, so it counts every key.
      this.#full = true;
      for (const k of this.listed) this.#beyond.add(k);
    }
    if (!this.listed.has(key)) this.#beyond.add(key);
  }

  /** How many distinct keys: exact while every one is listed, else the estimate (never below the listed). */
  get count(): number {
    return this.#full ? Math.max(this.listed.size + 1, this.#beyond.estimate()) : this.listed.size;
  }

  get exact(): boolean {
    return !this.#full;
  }

  clear(): void {
    this.listed.clear();
    this.#beyond.clear();
    this.#full = false;
  }
}

interface LiveDestination {
  result: DestinationTally['result'];
  threat: readonly ThreatHit[] | undefined;
  first: number;
  last: number;
  readonly ports: Map<number, number>;
  readonly services: Map<string, number>;
  readonly processes: Map<string, number>;
  readonly hosts: Map<string, number>;
  readonly directions: Map<string, number>;
}

interface PartyCounts {
  external: number;
  untagged: number;
}

type Owner = NonNullable<DestinationTally['result']['owner']>;

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** bump, but a key past the cap is not kept (the map's counts stay exact for the keys it has). */
function bumpCapped<K>(m: Map<K, number>, k: K, cap: number): void {
  const n = m.get(k);
  if (n !== undefined) m.set(k, n + 1);
  else if (m.size < cap) m.set(k, 1);
}

const emptyDestination = (): LiveDestination => ({
  result: undefined as unknown as DestinationTally['result'],
  threat: undefined,
  first: 0,
  last: 0,
  ports: new Map(),
  services: new Map(),
  processes: new Map(),
  hosts: new Map(),
  directions: new Map(),
});

function resetDestination(d: LiveDestination): void {
  d.ports.clear();
  d.services.clear();
  d.processes.clear();
  d.hosts.clear();
  d.directions.clear();
}

const HOUR = 3_600_000;

/** One section's accuracy, as `bounds` in the live report says it. */
export interface SectionBound {
  /** Keys tracked at most (K). */
  readonly k: number;
  readonly tracked: number;
  /** Connections counted into the section (N). */
  readonly counted: number;
  /** Keys that took a slot over from another. 0: every count in the section is exact. */
  readonly evicted: number;
  /** The most any count in the section is over the truth now (≤ floor(N/K)). */
  readonly maxOvercount: number;
  readonly guarantee: string;
}

/** What the live report adds to the audit report's shape. */
export interface LiveReport extends AuditReport {
  readonly live: {
    readonly since: string;
    readonly at: string;
    /** Destinations and owners first seen since `since`; `exact: false` when `count` is beyond the listed ones, estimated. */
    readonly firstSeen: {
      readonly destinations: { count: number; exact: boolean; listed: number };
      readonly owners: { count: number; exact: boolean; listed: number };
    };
    readonly notes: readonly string[];
  };
  readonly bounds: Readonly<Record<'destinations' | 'processes' | 'hosts' | 'owners' | 'services', SectionBound>>;
}

const GUARANTEE = 'each count is at most maxOvercount (≤ floor(counted / k)) over the true count; every key counted more than counted / k times is listed';

const NOTES = [
  'Counted from the events the service answered since `live.since` (POST /enrich, POST /enrich/batch, POST /lookup), timed by arrival, not by the event.',
  'GET /lookup/:ip and POST /lookup/batch are not counted: they carry no connection (no port, process or direction) and are answered from caches.',
  'destinations, processes, hosts, byOwner and byService keep the top keys (Space-Saving, see `bounds`); totals, byTag, byList, byRegion, byHosting, byScope, byDirection, byPort and byHour count every connection exactly.',
  "A grouping's and a party's `destinations` counts the tracked destinations only (a lower bound); a destination keeps its first 16 ports, services, processes and hosts.",
  'A destination shows the attribution of its latest connection (the lists in service then).',
  'beacons, strobes and longConnections are not analysed live (they need every pair of the run): always [].',
  'Every destination is `new: true` (first seen since `live.since`); `overcount` is the most its `connections` may be over the truth. `new` lists the destinations, owners, processes and services first seen since `live.since`; `gone` is empty (no baseline).',
];

/**
 * Fed one judged result per answered event (add), it holds the live audit: exact totals and
 * exactly counted small sections, Space-Saving summaries for destinations, processes, hosts,
 * owners and services, and the first-seen sets. Its memory does not grow with the traffic.
 * report() builds the same report as `ipdest audit --format json` through buildReport.
 */
export class LiveAudit {
  readonly limits: LiveLimits;
  #since = Date.now();
  #last: number | undefined;
  #first: number | undefined;
  readonly #sources = new Map<string, FileTally>();
  readonly #totals = { records: 0, connections: 0, external: 0, untagged: 0, skipped: 0, selected: 0, outside: 0 };
  readonly destinations: TopK<string, LiveDestination>;
  readonly processes: TopK<string, PartyCounts>;
  readonly hosts: TopK<string, PartyCounts>;
  readonly owners: TopK<string, { owner: Owner | undefined }>;
  readonly services: TopK<string, null>;
  readonly #byTag = new Map<string, number>();
  readonly #byList = new Map<string, number>();
  readonly #byRegion = new Map<string, number>();
  readonly #byHosting = new Map<string, number>();
  readonly #byScope = new Map<string, number>();
  readonly #byDirection = new Map<string, number>();
  readonly #byPort = new Map<number, number>();
  readonly #hours = new Map<number, number>();
  #hour = -1;
  #hourCount = 0;
  readonly newDestinations: FirstSeen;
  readonly newOwners: FirstSeen;
  // Owner objects are interned by the owner layer: their key text is made once each.
  readonly #ownerKeys = new WeakMap<Owner, string>();

  constructor(limits: Partial<LiveLimits> = {}) {
    this.limits = { ...LIVE_LIMITS, ...limits };
    const l = this.limits;
    this.destinations = new TopK(l.destinations, emptyDestination, resetDestination);
    const party = (): PartyCounts => ({ external: 0, untagged: 0 });
    const resetParty = (p: PartyCounts): void => {
      p.external = 0;
      p.untagged = 0;
    };
    this.processes = new TopK(l.processes, party, resetParty);
    this.hosts = new TopK(l.hosts, party, resetParty);
    this.owners = new TopK<string, { owner: Owner | undefined }>(l.owners, () => ({ owner: undefined }));
    this.services = new TopK(l.services, () => null);
    this.newDestinations = new FirstSeen(l.newListed);
    this.newOwners = new FirstSeen(l.newListed);
  }

  /** The counts of one source (a route): the report's `input.files`; get it once, pass it to every add. */
  source(name: string): FileTally {
    let t = this.#sources.get(name);
    if (t === undefined) this.#sources.set(name, (t = newFileTally(name)));
    return t;
  }

  /** When counting started (the service's start, or the last reset), epoch ms. */
  get since(): number {
    return this.#since;
  }

  /** One event that could not be judged (not a JSON object): counted as skipped with its reason. */
  skip(source: FileTally, reason: string): void {
    source.records++;
    source.skipped++;
    this.#totals.records++;
    this.#totals.skipped++;
    bump(source.reasons, reason);
  }

  /** One answered event: its result (with the event's direction, port, process), and the local host when the event names it. */
  add(source: FileTally, r: Result, host?: string, now = Date.now()): void {
    if (isFailure(r)) {
      this.skip(source, r.error.code === 'NO_ADDRESS' ? 'no address (NO_ADDRESS)' : 'invalid address (INVALID_ADDRESS)');
      return;
    }
    source.records++;
    source.connections++;
    const t = this.#totals;
    t.records++;
    t.connections++;
    t.selected++;
    const untagged = r.external && r.IPDestination === null;
    if (r.external) t.external++;
    if (untagged) t.untagged++;
    this.#first ??= now;
    this.#last = now;
    const hour = now - (now % HOUR);
    if (hour !== this.#hour) this.#newHour(hour);
    this.#hourCount++;

    const l = this.limits;
    const slot = this.destinations.add(r.ip);
    const d = slot.value;
    if (this.destinations.fresh) {
      d.first = now;
      this.newDestinations.add(r.ip);
    }
    d.result = r;
    d.threat = r.threat !== undefined && r.threat.length > 0 ? r.threat : undefined;
    d.last = now;
    const cap = l.perDestination;
    const service = r.service ?? (r.port === undefined ? (r.protocol ?? 'none') : 'other');
    const direction = r.direction ?? 'outbound';
    if (r.port !== undefined) {
      bumpCapped(d.ports, r.port, cap);
      bump(this.#byPort, r.port);
    }
    bumpCapped(d.services, service, cap);
    bumpCapped(d.directions, direction, cap);
    this.services.add(service);
    bump(this.#byDirection, direction);
    bump(this.#byTag, r.label);
    bump(this.#byScope, r.scope);
    // One match per list; regions may repeat across matches: each counted once a connection.
    const ms = r.matches;
    let hosting: 'first-party' | 'customer' | null = null;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i]!;
      bump(this.#byList, m.list);
      if (m.hosting === 'customer') hosting = 'customer';
      else if (m.hosting === 'first-party' && hosting === null) hosting = 'first-party';
      for (const g of m.regions) if (!regionBefore(ms, i, g)) bump(this.#byRegion, g);
    }
    bump(this.#byHosting, hosting ?? (r.external ? (r.IPDestination === null ? 'unlisted' : 'not a provider') : 'internal'));
    const o = r.owner;
    if (o !== undefined) {
      let k = this.#ownerKeys.get(o);
      if (k === undefined) {
        k = ownerKey(o)!;
        this.#ownerKeys.set(o, k);
      }
      const os = this.owners.add(k);
      if (this.owners.fresh) {
        os.value.owner = o;
        this.newOwners.add(k);
      }
    }
    if (r.process !== undefined) {
      bumpCapped(d.processes, r.process, cap);
      const p = this.processes.add(r.process).value;
      if (r.external) p.external++;
      if (untagged) p.untagged++;
    }
    if (host !== undefined) {
      bumpCapped(d.hosts, host, cap);
      const h = this.hosts.add(host).value;
      if (r.external) h.external++;
      if (untagged) h.untagged++;
    }
  }

  #newHour(hour: number): void {
    if (this.#hour !== -1) this.#hours.set(this.#hour, (this.#hours.get(this.#hour) ?? 0) + this.#hourCount);
    this.#hour = hour;
    this.#hourCount = this.#hours.get(hour) ?? 0;
    this.#hours.delete(hour);
    // Insertion order is time order (a clock step back re-inserts an hour: it then counts as the newest).
    while (this.#hours.size >= this.limits.hours) this.#hours.delete(this.#hours.keys().next().value!);
  }

  /** Starts again from nothing: POST /audit/reset. */
  reset(now = Date.now()): void {
    this.#since = now;
    this.#first = undefined;
    this.#last = undefined;
    // The sources are kept (the routes hold them), their counts zeroed.
    for (const f of this.#sources.values()) {
      f.records = 0;
      f.connections = 0;
      f.skipped = 0;
      f.reasons.clear();
    }
    const t = this.#totals;
    for (const k of Object.keys(t) as (keyof AggregateView['totals'])[]) t[k] = 0;
    this.destinations.clear();
    this.processes.clear();
    this.hosts.clear();
    this.owners.clear();
    this.services.clear();
    for (const m of [this.#byTag, this.#byList, this.#byRegion, this.#byHosting, this.#byScope, this.#byDirection, this.#byPort, this.#hours]) m.clear();
    this.#hour = -1;
    this.#hourCount = 0;
    this.newDestinations.clear();
    this.newOwners.clear();
  }

  /** The tracked destinations as the CLI's aggregation holds them, for buildReport. */
  #view(): AggregateView {
    const destinations = new Map<string, DestinationTally>();
    for (const s of this.destinations.slots()) {
      const d = s.value;
      destinations.set(s.key, {
        result: d.result,
        threat: d.threat,
        connections: s.count,
        bytes: undefined,
        first: d.first,
        last: d.last,
        ports: d.ports,
        services: d.services,
        processes: d.processes,
        hosts: d.hosts,
        directions: d.directions,
      });
    }
    const hours = new Map(this.#hours);
    if (this.#hour !== -1) hours.set(this.#hour, this.#hourCount);
    return { files: [...this.#sources.values()], destinations, pairs: () => [], hours, totals: { ...this.#totals }, first: this.#first, last: this.#last };
  }

  /** The live report: the CLI report's shape (buildReport), with each section's counts from the live counters, `live` and `bounds`. */
  report(now = Date.now()): LiveReport {
    const view = this.#view();
    const base = buildReport(view);
    const overcount = new Map<string, number>();
    for (const s of this.destinations.slots()) overcount.set(s.key, s.error);
    const destinations = base.destinations.map((d): ReportDestination & { overcount: number } => ({ ...d, new: true, overcount: overcount.get(d.ip) ?? 0 }));
    const ownerRows = new Map(base.byOwner.map((r) => [ownerKey(ownerOf(r)) ?? '', r.destinations]));
    const processDest = new Map(base.processes.map((r) => [r.process, r.destinations]));
    const hostDest = new Map(base.hosts.map((r) => [r.host, r.destinations]));
    const report: LiveReport = {
      ...base,
      destinations,
      byTag: exact(
        this.#byTag,
        base.byTag,
        (r) => r.tag,
        (tag, c) => ({ tag, ...c }),
      ),
      byList: exact(
        this.#byList,
        base.byList,
        (r) => r.list,
        (list, c) => ({ list, ...c }),
      ),
      byService: topRows(this.services, new Map(base.byService.map((r) => [r.service, r.destinations])), (service, c) => ({ service, ...c })),
      byPort: exact(
        this.#byPort,
        base.byPort,
        (r) => r.port,
        (port, c) => ({ port, ...c }),
        (p) => String(p).padStart(5, '0'),
      ),
      byRegion: exact(
        this.#byRegion,
        base.byRegion,
        (r) => r.region,
        (region, c) => ({ region, ...c }),
      ),
      byHosting: exact(
        this.#byHosting,
        base.byHosting,
        (r) => r.hosting,
        (hosting, c) => ({ hosting, ...c }),
      ),
      byScope: exact(
        this.#byScope,
        base.byScope,
        (r) => r.scope,
        (scope, c) => ({ scope, ...c }),
      ),
      byDirection: exact(
        this.#byDirection,
        base.byDirection,
        (r) => r.direction,
        (direction, c) => ({ direction, ...c }),
      ),
      byOwner: topRows(this.owners, ownerRows, (_k, c, v) => ({
        asn: v.owner?.asn ?? null,
        org: v.owner?.org ?? null,
        country: v.owner?.country ?? null,
        ...c,
      })),
      processes: partyRows(this.processes, processDest, (process, c) => ({ process, ...c })),
      hosts: partyRows(this.hosts, hostDest, (host, c) => ({ host, ...c })),
      beacons: [],
      strobes: [],
      longConnections: [],
      new: {
        destinations: [...this.newDestinations.listed].sort(byText),
        owners: [...this.newOwners.listed].sort(byText),
        processes: [...this.processes.slots()].map((s) => s.key).sort(byText),
        services: [...this.services.slots()].map((s) => s.key).sort(byText),
        pairs: baselineOf(view).pairs,
      },
      gone: { destinations: [], owners: [], processes: [], services: [], pairs: [] },
      live: {
        since: new Date(this.#since).toISOString(),
        at: new Date(now).toISOString(),
        firstSeen: {
          destinations: { count: this.newDestinations.count, exact: this.newDestinations.exact, listed: this.newDestinations.listed.size },
          owners: { count: this.newOwners.count, exact: this.newOwners.exact, listed: this.newOwners.listed.size },
        },
        notes: NOTES,
      },
      bounds: {
        destinations: boundOf(this.destinations),
        processes: boundOf(this.processes),
        hosts: boundOf(this.hosts),
        owners: boundOf(this.owners),
        services: boundOf(this.services),
      },
    };
    return report;
  }
}

/** Whether region `g` was already counted for an earlier match of the same result. */
function regionBefore(ms: DestinationTally['result']['matches'], i: number, g: string): boolean {
  for (let j = 0; j < i; j++) if (ms[j]!.regions.includes(g)) return true;
  return false;
}

function ownerOf(r: { asn: number | null; org: string | null; country: string | null }): Owner {
  return {
    ...(r.asn !== null ? { asn: r.asn } : {}),
    ...(r.org !== null ? { org: r.org } : {}),
    ...(r.country !== null ? { country: r.country } : {}),
  } as Owner;
}

function boundOf<V>(s: TopK<string, V>): SectionBound {
  return { k: s.capacity, tracked: s.size, counted: s.total, evicted: s.evictions, maxOvercount: s.maxError, guarantee: GUARANTEE };
}

/** Rows of an exactly counted section, in the report's order; `destinations` from the tracked destinations' rows. */
function exact<K, R extends { destinations: number }>(
  counts: ReadonlyMap<K, number>,
  tracked: readonly R[],
  key: (r: R) => K,
  make: (k: K, c: Count) => R,
  text: (k: K) => string = String,
): R[] {
  const dest = new Map(tracked.map((r) => [key(r), r.destinations]));
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || byText(text(a[0]), text(b[0])))
    .map(([k, connections]) => make(k, { connections, destinations: dest.get(k) ?? 0 }));
}

function topRows<V, R>(s: TopK<string, V>, dest: ReadonlyMap<string, number>, make: (k: string, c: Count, v: V) => R): R[] {
  return [...s.slots()]
    .sort((a, b) => b.count - a.count || byText(a.key, b.key))
    .map((x) => make(x.key, { connections: x.count, destinations: dest.get(x.key) ?? 0 }, x.value));
}

function partyRows<R>(s: TopK<string, PartyCounts>, dest: ReadonlyMap<string, number>, make: (k: string, c: Count & PartyCounts) => R): R[] {
  return topRows(s, dest, (k, c, v) => make(k, { ...c, external: v.external, untagged: v.untagged }));
}
