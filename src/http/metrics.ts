// Prometheus metrics: requests, latency, lookups by tag, answer cache, dropped events, list sizes, age and staleness, reloads, connections.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceState } from '../service/index.js';
import { isStale } from '../lists/index.js';

// Latency buckets in seconds: most answers take well under a millisecond.
const BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

/** One route's counts: made when the route is registered, so a request only does arithmetic. */
export class RouteStats {
  readonly route: string;
  readonly buckets = new Float64Array(BUCKETS.length + 1); // per bucket, not cumulative
  sum = 0;
  count = 0;
  /** Requests by method, then status. */
  readonly byMethod = new Map<string, Map<number, number>>();

  constructor(route: string) {
    this.route = route;
  }

  record(method: string, status: number, seconds: number): void {
    let byStatus = this.byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.byMethod.set(method, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    this.buckets[b]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** Counts the connection guard (connections.ts) keeps by plain arithmetic; read when /metrics is scraped. */
export interface ConnectionCounts {
  /** Connections open now. */
  open: number;
  /** The cap on open connections (from the open-files limit), or null when there is none. */
  limit: number | null;
  /** Connections closed at once because the cap was reached. */
  rejected: number;
  /** Requests node:http refused before routing (malformed, headers too large, too slow), by error code. */
  readonly clientErrors: Map<string, number>;
}

/**
 * Per-request counting is plain arithmetic on a route's own stats object; prom-client sees the
 * totals only when /metrics is scraped. prom-client's own `labels().inc()` and `observe()` hash
 * the label set on every call: on POST /lookup that was ~8 µs of ~40 µs (bench/http.ts).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #routes = new Map<string, RouteStats>();
  readonly #lookups = new Map<string, { count: number }>();
  #threats = 0;
  #dropped = 0;
  /** Answer cache counts, summed over every Enricher in service since the start (a reload starts a new cache). */
  readonly answerCache = { hits: 0, misses: 0 };
  readonly connections: ConnectionCounts = { open: 0, limit: null, rejected: 0, clientErrors: new Map() };

  constructor(state: ServiceState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ipdest_' });
    const routes = this.#routes;
    const lookups = this.#lookups;
    const dropped = () => this.#dropped;
    new Counter({
      name: 'ipdest_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect() {
        this.reset();
        for (const r of routes.values()) {
          for (const [method, byStatus] of r.byMethod) for (const [status, n] of byStatus) this.inc({ route: r.route, method, status: String(status) }, n);
        }
      },
    });
    new Counter({
      name: 'ipdest_lookups_total',
      help: 'Classified addresses by label (the tag, Unlisted, a scope, or an error code)',
      labelNames: ['tag'],
      registers,
      collect() {
        this.reset();
        for (const [tag, c] of lookups) this.inc({ tag }, c.count);
      },
    });
    const threats = () => this.#threats;
    new Counter({
      name: 'ipdest_threat_answers_total',
      help: 'Answers for an address a kind: threat list holds',
      registers,
      collect() {
        this.reset();
        this.inc(threats());
      },
    });
    new Counter({
      name: 'ipdest_events_dropped_total',
      help: 'Events the rules judged drop',
      registers,
      collect() {
        this.reset();
        this.inc(dropped());
      },
    });
    const answerCache = this.answerCache;
    new Counter({
      name: 'ipdest_answer_cache_hits_total',
      help: 'Batch addresses answered from the answer cache (inputs seen before, same lists)',
      registers,
      collect() {
        this.reset();
        this.inc(answerCache.hits);
      },
    });
    new Counter({
      name: 'ipdest_answer_cache_misses_total',
      help: 'Batch addresses looked up because the answer cache did not hold them',
      registers,
      collect() {
        this.reset();
        this.inc(answerCache.misses);
      },
    });
    const connections = this.connections;
    new Counter({
      name: 'ipdest_connections_rejected_total',
      help: 'Connections closed at once because the connection limit (from the open-files limit) was reached',
      registers,
      collect() {
        this.reset();
        this.inc(connections.rejected);
      },
    });
    new Gauge({
      name: 'ipdest_connections_open',
      help: 'TCP connections open now',
      registers,
      collect() {
        this.set(connections.open);
      },
    });
    new Gauge({
      name: 'ipdest_connections_limit',
      help: 'Open connections past which new ones are closed at once (absent: no limit)',
      registers,
      collect() {
        this.reset();
        if (connections.limit !== null) this.set(connections.limit);
      },
    });
    new Counter({
      name: 'ipdest_http_client_errors_total',
      help: 'Requests refused before routing (malformed, headers too large, not received in time), by error code',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of connections.clientErrors) this.inc({ code }, n);
      },
    });
    // The live audit (GET /audit): read at scrape time, like every count here.
    new Counter({
      name: 'ipdest_audit_new_destinations_total',
      help: 'Destination addresses first seen since start (or the last POST /audit/reset); estimated past the listed 10,000',
      registers,
      collect() {
        this.reset();
        this.inc(state.audit.newDestinations.count);
      },
    });
    new Gauge({
      name: 'ipdest_audit_destinations_tracked',
      help: 'Destination addresses the live audit holds counts for (at most its top-K bound)',
      registers,
      collect() {
        this.set(state.audit.destinations.size);
      },
    });
    const reloads = new Counter({
      name: 'ipdest_reloads_total',
      help: 'List reloads by result (ok: every list loaded; failed: one kept its last good version)',
      labelNames: ['result'],
      registers,
    });
    reloads.inc({ result: 'ok' }, 0);
    reloads.inc({ result: 'failed' }, 0);
    new Gauge({
      name: 'ipdest_list_prefixes',
      help: 'Prefixes in service per list and family',
      labelNames: ['list', 'family'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        for (const l of state.lists.lists) {
          this.set({ list: l.name, family: 'ipv4' }, l.prefixes.v4);
          this.set({ list: l.name, family: 'ipv6' }, l.prefixes.v6);
        }
      },
    });
    new Gauge({
      name: 'ipdest_list_age_seconds',
      help: 'Seconds since the list in service was read from its file',
      labelNames: ['list'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        const now = Date.now();
        for (const l of state.lists.lists) if (l.loadedAt && l.format !== 'builtin') this.set({ list: l.name }, (now - Date.parse(l.loadedAt)) / 1000);
      },
    });
    new Gauge({
      name: 'ipdest_list_stale',
      help: '1 when the list in service is past its max age (an old snapshot, an old download); source: snapshot, file or download',
      labelNames: ['list', 'source'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        const now = Date.now();
        for (const l of state.lists.lists)
          if (l.source !== null && l.format !== 'builtin') this.set({ list: l.name, source: l.source }, isStale(l, now) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ipdest_list_failed',
      help: '1 when the last load of a list failed or found no file (its last good version serves)',
      labelNames: ['list', 'state'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        for (const l of state.lists.lists) this.set({ list: l.name, state: l.state }, l.state === 'failed' || l.state === 'missing' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ipdest_list_published_age_seconds',
      help: "Seconds since the publisher's own date of the list in service (absent where the list states none)",
      labelNames: ['list', 'source'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        const now = Date.now();
        for (const l of state.lists.lists) {
          const t = l.published === null ? NaN : Date.parse(l.published);
          if (!Number.isNaN(t) && l.source !== null) this.set({ list: l.name, source: l.source }, Math.max(0, (now - t) / 1000));
        }
      },
    });
    new Gauge({
      name: 'ipdest_list_fetch_age_seconds',
      help: 'Seconds since the last good download of the list in service (lists ipdest lists update or the refresh wrote)',
      labelNames: ['list'],
      registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        const now = Date.now();
        for (const l of state.lists.lists) if (l.fetchedAt) this.set({ list: l.name }, Math.max(0, (now - Date.parse(l.fetchedAt)) / 1000));
      },
    });
    const updates = new Counter({
      name: 'ipdest_list_updates_total',
      help: 'Background list updates by outcome (updated, unchanged, held, rejected, failed)',
      labelNames: ['list', 'state'],
      registers,
    });
    state.onUpdate((o) => updates.inc({ list: o.name, state: o.state }));
    state.onReload((o) => reloads.inc({ result: o.ok ? 'ok' : 'failed' }));
  }

  /** The stats of a route (made once; the route's hook keeps it). */
  route(route: string): RouteStats {
    let r = this.#routes.get(route);
    if (r === undefined) {
      r = new RouteStats(route);
      this.#routes.set(route, r);
    }
    return r;
  }

  countLookup(label: string, threat = false): void {
    if (threat) this.#threats++;
    let c = this.#lookups.get(label);
    if (c === undefined) {
      c = { count: 0 };
      this.#lookups.set(label, c);
    }
    c.count++;
  }

  /** Adds one batch's answer cache hits and misses. */
  countAnswerCache(hits: number, misses: number): void {
    this.answerCache.hits += hits;
    this.answerCache.misses += misses;
  }

  countDropped(): void {
    this.#dropped++;
  }

  /** The whole exposition: prom-client's metrics plus the latency histogram kept here. */
  async render(): Promise<string> {
    let text = await this.registry.metrics();
    text += '# HELP ipdest_http_request_duration_seconds HTTP request latency by route\n# TYPE ipdest_http_request_duration_seconds histogram\n';
    for (const l of this.#routes.values()) {
      if (l.count === 0) continue;
      const route = l.route.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += l.buckets[i]!;
        text += `ipdest_http_request_duration_seconds_bucket{le="${le}",route="${route}"} ${cumulative}\n`;
      });
      text += `ipdest_http_request_duration_seconds_bucket{le="+Inf",route="${route}"} ${l.count}\n`;
      text += `ipdest_http_request_duration_seconds_sum{route="${route}"} ${l.sum}\n`;
      text += `ipdest_http_request_duration_seconds_count{route="${route}"} ${l.count}\n`;
    }
    return text;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
