// The live audit (GET /audit's aggregation): exact against the CLI's report on a real Sysmon file, within its documented bound on skewed streams, and bounded in memory.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Aggregator, buildReport, LiveAudit, newFileTally, TopK } from '../../src/audit/index.js';
import { parseConfigText } from '../../src/config/index.js';
import { RecordReader, type ConnectionRecord, type Enricher } from '../../src/enrich/index.js';
import { loadOnce } from '../../src/service/index.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

const SYSMON = ['sysmon', 'winlogbeat8-eid3.ndjson'] as const;

let enricher: Enricher;
t.before(async () => {
  // Built-in lists only: the counts do not depend on the lists.
  enricher = (await loadOnce(parseConfigText('', 'x.yaml'), '.')).enricher;
});

function records(text: string): ConnectionRecord[] {
  const reader = new RecordReader({ kind: 'json', year: 2024 });
  const out: ConnectionRecord[] = [];
  for (const line of text.split('\n')) {
    const r = reader.read(line);
    if (r !== null && 'record' in r) out.push(r.record);
  }
  return out;
}

t.test('with K above the distinct count, the live report counts what `ipdest audit` counts, exactly', sharedData(...SYSMON), async (t) => {
  const recs = records(readFileSync(dataPath(...SYSMON), 'utf8'));
  t.ok(recs.length > 0);
  const cli = new Aggregator(enricher);
  const file = newFileTally('f');
  cli.files.push(file);
  const live = new LiveAudit();
  const src = live.source('test');
  for (const rec of recs) {
    cli.add(file, rec);
    live.add(src, enricher.judge(rec.event), rec.host);
  }
  const want = buildReport(cli);
  const got = live.report();
  for (const k of ['records', 'connections', 'external', 'untagged', 'skipped'] as const) t.equal(got.totals[k], want.totals[k], `totals.${k}`);
  const row = (ds: typeof want.destinations) => ds.map((d) => [d.ip, d.connections, d.label, d.direction, d.ports, d.services, d.processes, d.hosts]);
  t.same(row(got.destinations), row(want.destinations), 'destinations: same order, counts, ports, services, processes, hosts');
  t.ok(
    got.destinations.every((d) => d.new === true && (d as { overcount?: number }).overcount === 0),
    'nothing evicted: no overcount',
  );
  for (const s of ['byTag', 'byList', 'byService', 'byPort', 'byScope', 'byHosting', 'byDirection', 'byOwner', 'processes', 'hosts'] as const)
    t.same(got[s], want[s], s);
  t.same(got.beacons, [], 'beacons are not scored live');
  for (const b of Object.values(got.bounds)) t.equal(b.maxOvercount, 0);
  t.equal(got.live.firstSeen.destinations.count, want.destinations.length);
  t.equal(got.live.firstSeen.destinations.exact, true);
});

/** A Zipf-ish stream: key i drawn with weight 1/(i+1)^s, from fast-check's own random numbers. */
const zipfStream = fc
  .record({
    keys: fc.integer({ min: 1, max: 400 }),
    s: fc.double({ min: 0.5, max: 2, noNaN: true }),
    draws: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 3000 }),
  })
  .map(({ keys, s, draws }) => {
    const cum: number[] = [];
    let sum = 0;
    for (let i = 0; i < keys; i++) cum.push((sum += 1 / (i + 1) ** s));
    return draws.map((u) => {
      const x = u * sum;
      let lo = 0;
      let hi = keys - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return `k${lo}`;
    });
  });

t.test('Space-Saving with a tiny K: every count within the documented bound of the truth', async (t) => {
  fc.assert(
    fc.property(zipfStream, fc.integer({ min: 1, max: 20 }), (stream, k) => {
      const top = new TopK<string, null>(k, () => null);
      const truth = new Map<string, number>();
      for (const key of stream) {
        top.add(key);
        truth.set(key, (truth.get(key) ?? 0) + 1);
      }
      const n = stream.length;
      if (top.total !== n || top.size > k) return false;
      if (top.maxError > Math.floor(n / k)) return false;
      for (const s of top.slots()) {
        const real = truth.get(s.key) ?? 0;
        // Never under, over by at most its own error, which is at most the section's bound.
        if (s.count < real || s.count - s.error > real || s.error > top.maxError) return false;
      }
      // Every key counted more than N/K times is tracked.
      for (const [key, c] of truth) if (c > n / k && top.get(key) === undefined) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('300 streams');
});

t.test('the live report with tiny K: destinations, processes and hosts within `bounds` of an exact count', async (t) => {
  fc.assert(
    fc.property(zipfStream, (stream) => {
      const live = new LiveAudit({ destinations: 5, processes: 3, hosts: 3 });
      const src = live.source('test');
      const truth = { dest: new Map<string, number>(), proc: new Map<string, number>(), host: new Map<string, number>() };
      const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      for (const key of stream) {
        const i = Number(key.slice(1));
        const ip = `203.0.${i >> 8}.${i & 255}`;
        const r = { ...enricher.lookup(ip), process: `p${i % 7}` };
        const host = `h${i % 5}`;
        live.add(src, r, host);
        bump(truth.dest, ip);
        bump(truth.proc, r.process);
        bump(truth.host, host);
      }
      const rep = live.report();
      const within = (rows: readonly { connections: number }[], key: (r: never) => string, m: Map<string, number>, bound: number) =>
        rows.every((r) => {
          const real = m.get(key(r as never)) ?? 0;
          return r.connections >= real && r.connections - real <= bound;
        });
      const b = rep.bounds;
      return (
        rep.totals.connections === stream.length &&
        rep.destinations.length <= 5 &&
        b.destinations.maxOvercount <= Math.floor(stream.length / 5) &&
        within(rep.destinations, (r: { ip: string }) => r.ip, truth.dest, b.destinations.maxOvercount) &&
        within(rep.processes, (r: { process: string }) => r.process, truth.proc, b.processes.maxOvercount) &&
        within(rep.hosts, (r: { host: string }) => r.host, truth.host, b.hosts.maxOvercount) &&
        rep.byTag.reduce((s, r) => s + r.connections, 0) === stream.length
      );
    }),
    { numRuns: 60 },
  );
  t.pass('60 streams');
});

t.test('memory: 200k distinct destinations leave at most K tracked; the first-seen count is estimated past its list', async (t) => {
  const live = new LiveAudit();
  const src = live.source('test');
  const n = 200_000;
  for (let i = 0; i < n; i++) live.add(src, enricher.lookup(`11.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
  t.ok(live.destinations.size <= live.limits.destinations, `tracked ${live.destinations.size} ≤ ${live.limits.destinations}`);
  t.equal(live.destinations.size, live.limits.destinations);
  t.ok(live.processes.size <= live.limits.processes && live.hosts.size <= live.limits.hosts);
  const rep = live.report();
  t.equal(rep.totals.connections, n, 'totals stay exact');
  t.equal(rep.destinations.length, live.limits.destinations);
  t.ok(rep.byHour.length <= live.limits.hours);
  const seen = rep.live.firstSeen.destinations;
  t.equal(seen.exact, false);
  t.equal(seen.listed, live.limits.newListed);
  t.ok(Math.abs(seen.count - n) / n < 0.1, `first-seen estimate ${seen.count} within 10 % of ${n}`);
  t.equal(rep.new?.destinations.length, live.limits.newListed);
  t.ok(rep.bounds.destinations.maxOvercount <= Math.floor(n / live.limits.destinations));
});

t.test('failures are skipped with their reason; reset starts from nothing and keeps the sources', async (t) => {
  const live = new LiveAudit();
  const src = live.source('POST /enrich');
  live.add(src, enricher.judge({}));
  live.add(src, enricher.judge({ ip: '010.0.0.1' }));
  live.add(src, enricher.judge({ ip: '8.8.8.8' }));
  live.skip(src, 'invalid event (INVALID_EVENT)');
  let rep = live.report();
  t.match(rep.totals, { records: 4, connections: 1, skipped: 3, external: 1, untagged: 1 });
  t.same(rep.input.files[0]!.reasons, { 'invalid address (INVALID_ADDRESS)': 1, 'invalid event (INVALID_EVENT)': 1, 'no address (NO_ADDRESS)': 1 });
  live.reset();
  rep = live.report();
  t.match(rep.totals, { records: 0, connections: 0, skipped: 0 });
  t.same(rep.destinations, []);
  live.add(src, enricher.judge({ ip: '8.8.8.8' }));
  t.equal(live.report().input.files[0]!.connections, 1, 'the route still counts into its source after a reset');
});
