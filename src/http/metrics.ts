// Prometheus metrics: requests, latency, lookups by tag, dropped events, list sizes and age, reloads.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceState } from './service-state.js';

// Latency buckets in seconds: most answers take well under a millisecond.
const BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

interface RouteLatency {
  readonly route: string;
  readonly counts: Float64Array; // per bucket, not cumulative
  sum: number;
  count: number;
}

interface RequestCount {
  readonly route: string;
  readonly method: string;
  readonly status: number;
  count: number;
}

/**
 * Per-request counting is plain arithmetic on objects found by one Map get; prom-client sees the
 * totals only when /metrics is scraped. prom-client's own `labels().inc()` and `observe()` hash
 * the label set on every call: on POST /lookup that was ~8 µs of ~40 µs (bench/http.ts).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new Map<string, RequestCount>();
  readonly #latency = new Map<string, RouteLatency>();
  readonly #lookups = new Map<string, { count: number }>();
  #dropped = 0;

  constructor(state: ServiceState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ipdest_' });
    const requests = this.#requests;
    const lookups = this.#lookups;
    const self = this;
    new Counter({
      name: 'ipdest_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers,
      collect() {
        this.reset();
        for (const r of requests.values()) this.inc({ route: r.route, method: r.method, status: String(r.status) }, r.count);
      },
    });
    new Counter({
      name: 'ipdest_lookups_total', help: 'Classified addresses by label (the tag, Unlisted, a scope, or an error code)', labelNames: ['tag'], registers,
      collect() {
        this.reset();
        for (const [tag, c] of lookups) this.inc({ tag }, c.count);
      },
    });
    new Counter({
      name: 'ipdest_events_dropped_total', help: 'Events the rules judged drop', registers,
      collect() {
        this.reset();
        this.inc(self.#dropped);
      },
    });
    const reloads = new Counter({ name: 'ipdest_reloads_total', help: 'List reloads by result (ok: every list loaded; failed: one kept its last good version)', labelNames: ['result'], registers });
    reloads.inc({ result: 'ok' }, 0);
    reloads.inc({ result: 'failed' }, 0);
    new Gauge({
      name: 'ipdest_list_prefixes', help: 'Prefixes in service per list and family', labelNames: ['list', 'family'], registers,
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
      name: 'ipdest_list_age_seconds', help: 'Seconds since the list in service was read from its file', labelNames: ['list'], registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        const now = Date.now();
        for (const l of state.lists.lists) if (l.loadedAt && l.format !== 'builtin') this.set({ list: l.name }, (now - Date.parse(l.loadedAt)) / 1000);
      },
    });
    new Gauge({
      name: 'ipdest_list_failed', help: '1 when the last load of a list failed or found no file (its last good version serves)', labelNames: ['list', 'state'], registers,
      collect() {
        this.reset();
        if (!state.ready) return;
        for (const l of state.lists.lists) this.set({ list: l.name, state: l.state }, l.state === 'failed' || l.state === 'missing' ? 1 : 0);
      },
    });
    state.onReload((o) => reloads.inc({ result: o.ok ? 'ok' : 'failed' }));
  }

  countRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${status} ${method} ${route}`;
    let r = this.#requests.get(key);
    if (r === undefined) {
      r = { route, method, status, count: 0 };
      this.#requests.set(key, r);
    }
    r.count++;
    let l = this.#latency.get(route);
    if (l === undefined) {
      l = { route, counts: new Float64Array(BUCKETS.length + 1), sum: 0, count: 0 };
      this.#latency.set(route, l);
    }
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    l.counts[b]!++;
    l.sum += seconds;
    l.count++;
  }

  countLookup(label: string): void {
    let c = this.#lookups.get(label);
    if (c === undefined) {
      c = { count: 0 };
      this.#lookups.set(label, c);
    }
    c.count++;
  }

  countDropped(): void {
    this.#dropped++;
  }

  /** The whole exposition: prom-client's metrics plus the latency histogram kept here. */
  async render(): Promise<string> {
    let text = await this.registry.metrics();
    text += '# HELP ipdest_http_request_duration_seconds HTTP request latency by route\n# TYPE ipdest_http_request_duration_seconds histogram\n';
    for (const l of this.#latency.values()) {
      const route = l.route.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += l.counts[i]!;
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
