// Scenario `http`: POST /lookup against a bare Fastify echo route, /lookup/batch with and without repeats, /enrich/batch against the JSON floor, reloads under load.
// Env: BENCH_HTTP_SECONDS (each timed run, 10), BENCH_HTTP_ROUNDS (3), BENCH_HTTP_WARMUP (6 s), BENCH_HTTP_QUICK (POST /lookup only).
import { readFileSync, readdirSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { loadLists } from '../src/lists/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../src/config/index.js';
import { Enricher, Rules } from '../src/enrich/index.js';
import { parseJsonText } from '../src/http/body.js';
import { LiveAudit } from '../src/audit/index.js';
import { answerLookup, auditFeed, type AuditFeed } from '../src/http/lookup-answer.js';
import type { Metrics } from '../src/http/metrics.js';
import { BENCH_DIR, SHARED_DATA, measure, median, type Row } from './harness.js';
import { REAL_SOURCES, addressMix, rng } from './real-lists.js';
import { sysmonDestinations } from './lookup.js';
import { ROOT, cpuSeconds, load, realListsFolder, start, stop, waitReady } from './servers.js';

const TOKEN = 'bench-token-0123456789abcdef';

/** A load run that can also be stopped early. */
function start_(opts: autocannon.Options): { stop: () => void; done: Promise<autocannon.Result> } {
  let instance: ReturnType<typeof autocannon> | undefined;
  const done = new Promise<autocannon.Result>((ok, fail) => {
    instance = autocannon(opts, (err, res) => (err ? fail(err) : ok(res))) as unknown as ReturnType<typeof autocannon>;
  });
  return { stop: () => (instance as unknown as { stop(): void }).stop(), done };
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const { dir, config } = realListsFolder('ipdest-bench-');
  const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  const ips = addressMix(set, 1000);
  const requests = ips.map((ip) => ({
    method: 'POST' as const,
    path: '/lookup',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ip }),
  }));
  const duration = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
  const connections = 25; // the Logstash http filter's default pool

  // 1. POST /lookup against an echo route in a bare Fastify (no plugins, no logger), both servers
  // up at once and loaded in turn, round after round: the machine's drift between runs (±10–20%
  // here) falls on both alike, and the ratio is the median of the rounds' ratios.
  const echo = await start([resolve(BENCH_DIR, 'echo-server.mjs'), config], { MODE: 'bare' });
  const srv = await start([resolve(ROOT, 'dist', 'cli.js'), 'serve', '-c', config, '--port', '0'], { IPDEST_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'info' });
  await waitReady(srv.port);
  const url = `http://127.0.0.1:${srv.port}`;
  const echoUrl = `http://127.0.0.1:${echo.port}`;
  const echoRequests = requests.map((r) => ({ ...r, path: '/echo' }));
  const timed = async (target: string, pid: number | undefined, reqs: typeof requests) => {
    const cpu0 = cpuSeconds(pid);
    const res = await load({ url: target, connections, duration, requests: reqs });
    return { res, cpuUs: ((cpuSeconds(pid) - cpu0) / res.requests.total) * 1e6 };
  };
  // Warm-up, both alike: the JIT settles over the first few hundred thousand requests.
  const warmup = Number(process.env.BENCH_HTTP_WARMUP ?? 6);
  await load({ url: echoUrl, connections, duration: warmup, requests: echoRequests });
  await load({ url, connections, duration: warmup, requests });
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
  const bareRuns: Array<Awaited<ReturnType<typeof timed>>> = [];
  const ourRuns: Array<Awaited<ReturnType<typeof timed>>> = [];
  for (let r = 0; r < rounds; r++) {
    bareRuns.push(await timed(echoUrl, echo.child.pid, echoRequests));
    ourRuns.push(await timed(url, srv.child.pid, requests));
  }
  await stop(echo.child);
  const ratios = ourRuns.map((o, i) => o.res.requests.average / bareRuns[i]!.res.requests.average);
  const list = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(', ');
  const bareRate = median(bareRuns.map((b) => b.res.requests.average));
  const ourRate = median(ourRuns.map((o) => o.res.requests.average));
  const ourP99 = Math.max(...ourRuns.map((o) => o.res.latency.p99));
  const ourNon2xx = ourRuns.reduce((n, o) => n + o.res.non2xx, 0);
  const bareCpu = median(bareRuns.map((b) => b.cpuUs));
  const ourCpu = median(ourRuns.map((o) => o.cpuUs));
  rows.push({
    scenario: 'http',
    name: 'echo route, bare Fastify (25 keep-alive conns)',
    opsPerSec: bareRate,
    note: `median of ${rounds} rounds; p99 ${Math.max(...bareRuns.map((b) => b.res.latency.p99))} ms; server CPU ${bareCpu.toFixed(1)} µs/request`,
  });
  rows.push({
    scenario: 'http',
    name: 'ipdest POST /lookup (25 keep-alive conns)',
    opsPerSec: ourRate,
    ratio: median(ratios),
    baseline: 'bare echo, same round',
    note: `rounds ${list(ratios, 2)}×; p99 ≤ ${ourP99} ms, non-2xx ${ourNon2xx}; server CPU ${ourCpu.toFixed(1)} µs/request; targets ≥ 0.90×, p99 ≤ 2 ms`,
    extra: {
      p99ms: ourP99,
      p50ms: median(ourRuns.map((o) => o.res.latency.p50)),
      serverCpuUsPerRequest: ourCpu,
      bareEcho: bareRate,
      bareEchoCpuUs: bareCpu,
      ratios: list(ratios, 3),
    },
  });
  // What the answer itself costs (parse, judge, serialise), in process with warm caches: the part
  // of a request the echo does not do.
  const enricher = new Enricher(
    set.classifier,
    { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false },
    new Rules(),
  );
  const noMetrics = { countLookup() {} } as unknown as Metrics;
  // The live audit's count (GET /audit) is part of every answer; measured with and without it.
  const noAudit: AuditFeed = { audit: { add() {} } as unknown as LiveAudit, source: new LiveAudit().source('bench') };
  const unaudited = measure(1_000_000, (i) => answerLookup(enricher, parseJsonText(requests[i % requests.length]!.body), noMetrics, noAudit).length, 3, 1);
  const feed = auditFeed(new LiveAudit(), 'POST /lookup');
  const answers = measure(1_000_000, (i) => answerLookup(enricher, parseJsonText(requests[i % requests.length]!.body), noMetrics, feed).length, 3, 1);
  rows.push({
    scenario: 'http',
    name: "POST /lookup's answer alone (in process, warm caches)",
    opsPerSec: answers,
    ratio: answers / unaudited,
    baseline: 'the same answer without the live audit',
    note: `${(1e6 / answers).toFixed(2)} µs an answer, ${(1e6 / unaudited).toFixed(2)} without the live audit (the echo's ${bareCpu.toFixed(1)} µs + this = ${(bareCpu + 1e6 / answers).toFixed(1)} µs; ipdest measured ${ourCpu.toFixed(1)})`,
  });
  // 2b. POST /lookup/batch, 1000 addresses a body: from the 100k mix (barely repeating) and from
  // the real Sysmon destinations at their own frequencies (the answer cache's case), in turn.
  const per = 1000;
  const bodies = (pick: (i: number) => string) =>
    Array.from({ length: 8 }, (_, b) => ({
      method: 'POST' as const,
      path: '/lookup/batch',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ips: Array.from({ length: per }, (_, i) => pick(b * per + i)) }),
    }));
  const mix = addressMix(set, 8 * per, 5);
  const dests = sysmonDestinations();
  const next = rng(3);
  const mixBodies = bodies((i) => mix[i]!);
  const destBodies = bodies(() => dests[next() % dests.length]!);
  const cacheCounts = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const n = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { hits: n('ipdest_answer_cache_hits_total'), misses: n('ipdest_answer_cache_misses_total') };
  };
  const batchRun = async (reqs: typeof mixBodies) => {
    const cpu0 = cpuSeconds(srv.child.pid);
    const c0 = await cacheCounts();
    const res = await load({ url, connections: 2, duration: Math.max(2, duration / 2), requests: reqs });
    const c1 = await cacheCounts();
    return {
      rate: res.requests.average * per,
      cpuUs: ((cpuSeconds(srv.child.pid) - cpu0) / (res.requests.total * per)) * 1e6,
      hits: c1.hits - c0.hits,
      misses: c1.misses - c0.misses,
    };
  };
  await batchRun(mixBodies);
  await batchRun(destBodies);
  const mixRuns: Array<Awaited<ReturnType<typeof batchRun>>> = [];
  const destRuns: Array<Awaited<ReturnType<typeof batchRun>>> = [];
  for (let r = 0; r < rounds; r++) {
    mixRuns.push(await batchRun(mixBodies));
    destRuns.push(await batchRun(destBodies));
  }
  const hitRate = (runs: typeof mixRuns) => {
    const h = runs.reduce((n, x) => n + x.hits, 0);
    const m = runs.reduce((n, x) => n + x.misses, 0);
    return h + m === 0 ? 0 : h / (h + m);
  };
  const mixRate = median(mixRuns.map((x) => x.rate));
  const destRate = median(destRuns.map((x) => x.rate));
  rows.push({
    scenario: 'http',
    name: `ipdest POST /lookup/batch, 100k mix (${per}/request, 2 conns)`,
    opsPerSec: mixRate,
    note: `addresses/s; server CPU ${median(mixRuns.map((x) => x.cpuUs)).toFixed(2)} µs/address; answer cache hit rate ${(hitRate(mixRuns) * 100).toFixed(1)}% of those it was consulted for`,
  });
  rows.push({
    scenario: 'http',
    name: `ipdest POST /lookup/batch, Sysmon destinations (${per}/request, 2 conns)`,
    opsPerSec: destRate,
    ratio: destRate / mixRate,
    baseline: 'the 100k mix, same rounds',
    note: `addresses/s; server CPU ${median(destRuns.map((x) => x.cpuUs)).toFixed(2)} µs/address; answer cache hit rate ${(hitRate(destRuns) * 100).toFixed(1)}% (${new Set(dests).size} distinct)`,
    extra: { hitRate: hitRate(destRuns) },
  });
  // BENCH_HTTP_QUICK: the request-rate comparison only.
  if (process.env.BENCH_HTTP_QUICK) {
    await stop(srv.child);
    return rows;
  }
  // 3. /enrich/batch NDJSON against the JSON.parse + JSON.stringify floor of the same events.
  const sysmon = resolve(SHARED_DATA, 'sysmon');
  const events = readdirSync(sysmon)
    .filter((f) => f.includes('eid3'))
    .flatMap((f) =>
      readFileSync(resolve(sysmon, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim()),
    );
  const batchSize = 500;
  const batches = Array.from(
    { length: 8 },
    (_, b) =>
      events
        .slice((b * batchSize) % events.length)
        .concat(events)
        .slice(0, batchSize)
        .join('\n') + '\n',
  );
  const floor = measure(events.length * 50, (i) => JSON.stringify(JSON.parse(events[i % events.length]!)).length, 3, 1);
  const batchReqs = batches.map((body) => ({ method: 'POST' as const, path: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, body }));
  const cpuBatch0 = cpuSeconds(srv.child.pid);
  const enr = await load({ url, connections: 2, duration, requests: batchReqs });
  const evPerSec = enr.requests.average * batchSize;
  // The client (one core) reading 1 MB answers can be the limit: the server's own CPU per event
  // says what ipdest costs, whatever the client manages.
  const serverUsPerEvent = ((cpuSeconds(srv.child.pid) - cpuBatch0) / (enr.requests.total * batchSize)) * 1e6;
  const floorUsPerEvent = 1e6 / floor;
  rows.push({ scenario: 'http', name: 'JSON.parse + JSON.stringify (floor, in process)', opsPerSec: floor, note: 'events/s' });
  rows.push({
    scenario: 'http',
    name: `ipdest /enrich/batch NDJSON (${batchSize}/request, 2 conns)`,
    opsPerSec: evPerSec,
    ratio: evPerSec / floor,
    baseline: 'floor',
    note: `events/s, non-2xx ${enr.non2xx}; server CPU ${serverUsPerEvent.toFixed(1)} µs/event against the floor's ${floorUsPerEvent.toFixed(1)} µs (${(floorUsPerEvent / serverUsPerEvent).toFixed(2)}×); target ≥ 0.70×`,
    extra: { serverUsPerEvent, floorUsPerEvent },
  });

  // 4. 100 reloads during load.
  const loadRun = start_({ url, connections, duration: 600, requests });
  let reloadsOk = 0;
  let reloadsBad = 0;
  const started = performance.now();
  for (let i = 0; i < 100; i++) {
    const t = new Date(Date.now() + i * 1000);
    // The largest list (Azure, 4 MB) changes every time: each reload really parses and rebuilds.
    utimesSync(join(dir, 'ServiceTags_Public_20251028.json'), t, t);
    const r = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    if (r.status === 200) reloadsOk++;
    else reloadsBad++;
  }
  const reloadSeconds = (performance.now() - started) / 1000;
  loadRun.stop();
  const during = await loadRun.done;
  await stop(srv.child);
  rows.push({
    scenario: 'http',
    name: '100 reloads during POST /lookup load',
    opsPerSec: during.requests.average,
    note: `reloads ok ${reloadsOk}, failed ${reloadsBad} in ${reloadSeconds.toFixed(1)} s; requests non-2xx ${during.non2xx}, errors ${during.errors}, p99 ${during.latency.p99} ms; target 0 non-2xx`,
    extra: { reloadsOk, reloadsBad, non2xx: during.non2xx, errors: during.errors, p99ms: during.latency.p99, maxMs: during.latency.max },
  });
  return rows;
}
