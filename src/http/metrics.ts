// Prometheus metrics: requests, latency, lookups by tag, dropped events, list sizes and age, reloads.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceState } from './service-state.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route'>;
  readonly lookups: Counter<'tag'>;
  readonly dropped: Counter;
  readonly reloads: Counter<'result'>;
  // Children cached by tag: the per-lookup cost is one Map get, not a label hash.
  readonly #byTag = new Map<string, { inc(): void }>();

  constructor(state: ServiceState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ipdest_' });
    this.requests = new Counter({ name: 'ipdest_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new Histogram({ name: 'ipdest_http_request_duration_seconds', help: 'HTTP request latency by route', labelNames: ['route'], buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers });
    this.lookups = new Counter({ name: 'ipdest_lookups_total', help: 'Classified addresses by tag (label: the tag, Unlisted, a scope, or error)', labelNames: ['tag'], registers });
    this.dropped = new Counter({ name: 'ipdest_events_dropped_total', help: 'Events the rules judged drop', registers });
    this.reloads = new Counter({ name: 'ipdest_reloads_total', help: 'List reloads by result (ok: every list loaded; failed: one kept its last good version)', labelNames: ['result'], registers });
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
    state.onReload((o) => this.reloads.inc({ result: o.ok ? 'ok' : 'failed' }));
  }

  countLookup(label: string): void {
    let c = this.#byTag.get(label);
    if (c === undefined) {
      c = this.lookups.labels(label);
      this.#byTag.set(label, c);
    }
    c.inc();
  }
}
