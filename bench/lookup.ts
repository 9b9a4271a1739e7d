// Scenario `lookup`: string in, result out, on the real lists, against mmdb-lib, ipaddr.js, our parse and a linear scan.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader } from 'mmdb-lib';
import { loadLists, loadOwners } from '../src/lists/index.js';
import { parseAddr } from '../src/net/index.js';
import { DEFAULT_ANSWER_CACHE_ENTRIES, Enricher, resultJson } from '../src/enrich/index.js';
import { loadConfig } from '../src/config/index.js';
import { ownerSettingsOf } from '../src/service/index.js';
import { BENCH_DIR, SHARED_DATA, measure, median, onCpuNs, type Row } from './harness.js';
import { REAL_SOURCES, addressMix, rng } from './real-lists.js';

/**
 * Each case is one pass over `n` addresses; they run in turn, round after round, so a slow spell
 * of the (shared) machine falls on all of them alike. Median addresses per second per case.
 */
function interleaved(n: number, cases: Record<string, () => unknown>, rounds = 9, warmup = 2): Record<string, number> {
  const rates: Record<string, number[]> = {};
  for (const name of Object.keys(cases)) rates[name] = [];
  let sink = 0;
  for (let r = 0; r < warmup + rounds; r++) {
    for (const [name, pass] of Object.entries(cases)) {
      const cpu0 = onCpuNs();
      const t0 = process.hrtime.bigint();
      if (pass()) sink++;
      const wallNs = Number(process.hrtime.bigint() - t0);
      const cpu1 = onCpuNs();
      // On-CPU time where the machine is busy (another process's time is not ours).
      const ns = cpu0 !== null && cpu1 !== null && cpu1 > cpu0 ? Math.min(cpu1 - cpu0, wallNs) : wallNs;
      if (r >= warmup) rates[name]!.push(n / (ns / 1e9));
    }
  }
  if (sink === -1) console.log('unreachable');
  return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
}

/** Calls `one` on every address; returns something that depends on every answer. */
function each(ips: readonly string[], one: (ip: string) => string): () => number {
  return () => {
    let len = 0;
    for (let i = 0; i < ips.length; i++) len += one(ips[i]!).length;
    return len;
  };
}

/** The batch path over the addresses, `size` at a time (as POST /lookup/batch bodies would come). */
function batches(ips: readonly string[], size: number, many: (chunk: readonly string[]) => string[]): () => number {
  const chunks: string[][] = [];
  for (let i = 0; i < ips.length; i += size) chunks.push(ips.slice(i, i + size));
  return () => {
    let len = 0;
    for (const c of chunks) for (const j of many(c)) len += j.length;
    return len;
  };
}

/** The destination addresses of the real Sysmon events, as written there. */
export function sysmonDestinations(): string[] {
  const dir = resolve(SHARED_DATA, 'sysmon');
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(resolve(dir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      const ip = e.winlog?.event_data?.DestinationIp ?? e.event_data?.DestinationIp ?? e.DestinationIp ?? e.destination?.ip;
      if (typeof ip === 'string') out.push(ip);
    }
  }
  return out;
}

/**
 * `n` draws from the distinct Sysmon destinations, ranked by how often they occur, rank k with
 * weight 1/k (Zipf, s = 1): a few destinations take most connections, as in real logs.
 */
function zipfMix(distinctByRank: readonly string[], n: number, seed = 7): string[] {
  const cdf = new Float64Array(distinctByRank.length);
  let total = 0;
  for (let k = 0; k < cdf.length; k++) cdf[k] = total += 1 / (k + 1);
  const next = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = (next() / 2 ** 32) * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out.push(distinctByRank[lo]!);
  }
  return out;
}

function mmdbWriterAvailable(): boolean {
  try {
    execFileSync('perl', ['-MMaxMind::DB::Writer::Tree', '-e', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  const classifier = set.classifier;
  const ips = addressMix(set);
  const n = ips.length;

  // 1. ipdest: string in, result out; and string in, JSON text out (what HTTP and NDJSON write).
  const enricher = new Enricher(classifier, { addressFields: ['ip'], field: 'IPDestination', detailsField: 'ipdest', addTags: false });
  const own = measure(n, (i) => enricher.lookup(ips[i]!).action);
  // 2. Our parse alone: the floor a lookup cannot beat.
  const parseOnly = measure(n, (i) => parseAddr(ips[i]!));
  // 3. ipaddr.js parse alone.
  const ipaddrParse = measure(n, (i) => ipaddr.parse(ips[i]!));
  rows.push({
    scenario: 'lookup',
    name: 'ipdest lookup (string → result)',
    opsPerSec: own,
    ratio: own / parseOnly,
    baseline: 'own parse only',
    note: 'target ≥ 0.5×',
  });
  rows.push({ scenario: 'lookup', name: 'ipdest parseAddr only', opsPerSec: parseOnly });
  rows.push({ scenario: 'lookup', name: 'ipaddr.js parse only', opsPerSec: ipaddrParse, ratio: parseOnly / ipaddrParse, baseline: 'ours ÷ ipaddr.js' });

  // 3b. The JSON text of an answer: prebuilt (lookupJson), the batch path with and without its
  // cache, against the result object serialised (resultJson), all in interleaved rounds. Every
  // Enricher here is fresh: its prebuilt tails fill in the warm-up rounds.
  const cached = new Enricher(classifier, enricher.options);
  const uncached = new Enricher(classifier, enricher.options);
  const json = interleaved(n, {
    parse: () => {
      let k = 0;
      for (let i = 0; i < n; i++) if (parseAddr(ips[i]!)) k++;
      return k;
    },
    object: each(ips, (ip) => resultJson(enricher.lookup(ip))),
    prebuilt: each(ips, (ip) => enricher.lookupJson(ip)),
    batch: batches(ips, 1000, (c) => uncached.lookupMany(c, undefined, { cache: false })),
    batchCached: batches(ips, 1000, (c) => cached.lookupMany(c)),
  });
  const mixHits = cached.answerCache.hits / (cached.answerCache.hits + cached.answerCache.misses);
  rows.push({
    scenario: 'lookup',
    name: 'ipdest lookupJson (string → JSON text, prebuilt)',
    opsPerSec: json.prebuilt!,
    ratio: json.prebuilt! / json.parse!,
    baseline: 'own parse only',
  });
  rows.push({
    scenario: 'lookup',
    name: 'ipdest lookup + resultJson (string → JSON text, before)',
    opsPerSec: json.object!,
    ratio: json.prebuilt! / json.object!,
    baseline: 'prebuilt ÷ this',
  });
  rows.push({
    scenario: 'lookup',
    name: 'ipdest lookupMany, 1000 a batch, no cache (100k mix)',
    opsPerSec: json.batch!,
    ratio: json.batch! / json.prebuilt!,
    baseline: 'batch ÷ lookupJson per call',
  });
  rows.push({
    scenario: 'lookup',
    name: `ipdest lookupMany, 1000 a batch, cache ${DEFAULT_ANSWER_CACHE_ENTRIES} (100k mix)`,
    opsPerSec: json.batchCached!,
    ratio: json.batchCached! / json.batch!,
    baseline: 'cache on ÷ off',
    note: `hit rate ${(mixHits * 100).toFixed(1)}% of ${cached.answerCache.hits + cached.answerCache.misses} consulted; ${cached.answerCache.bypassed} went past it (the mix barely repeats)`,
    extra: { hitRate: mixHits },
  });

  // 3c. A Zipf mix over the 100k mix's own addresses (far more distinct than the cache holds).
  const wide = zipfMix(ips, n, 9);
  const wCached = new Enricher(classifier, enricher.options);
  const w = interleaved(n, {
    batch: batches(wide, 1000, (c) => uncached.lookupMany(c, undefined, { cache: false })),
    batchCached: batches(wide, 1000, (c) => wCached.lookupMany(c)),
  });
  const wc = wCached.answerCache;
  const wideHits = wc.hits / (wc.hits + wc.misses);
  rows.push({
    scenario: 'lookup',
    name: `ipdest lookupMany, cache ${DEFAULT_ANSWER_CACHE_ENTRIES} (Zipf mix over the 100k addresses)`,
    opsPerSec: w.batchCached!,
    ratio: w.batchCached! / w.batch!,
    baseline: 'cache on ÷ off, same mix',
    note: `hit rate ${(wideHits * 100).toFixed(1)}%, ${new Set(wide).size} distinct, ${wc.size} entries held, ${wc.bypassed} past it`,
    extra: { hitRate: wideHits, held: wc.size },
  });

  // 3d. The batch path on a Zipf mix of the real Sysmon destinations, cache on against off.
  const seen = new Map<string, number>();
  for (const ip of sysmonDestinations()) seen.set(ip, (seen.get(ip) ?? 0) + 1);
  const byRank = [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([ip]) => ip);
  const zipf = zipfMix(byRank, n);
  const zCached = new Enricher(classifier, enricher.options);
  const zUncached = new Enricher(classifier, enricher.options);
  const z = interleaved(n, {
    prebuilt: each(zipf, (ip) => zUncached.lookupJson(ip)),
    batch: batches(zipf, 1000, (c) => zUncached.lookupMany(c, undefined, { cache: false })),
    batchCached: batches(zipf, 1000, (c) => zCached.lookupMany(c)),
  });
  const zc = zCached.answerCache;
  const zipfHits = zc.hits / (zc.hits + zc.misses);
  rows.push({
    scenario: 'lookup',
    name: `ipdest lookupMany, cache ${DEFAULT_ANSWER_CACHE_ENTRIES} (Zipf mix of ${byRank.length} Sysmon destinations)`,
    opsPerSec: z.batchCached!,
    ratio: z.batchCached! / z.batch!,
    baseline: 'cache on ÷ off, same mix',
    note: `hit rate ${(zipfHits * 100).toFixed(1)}%, ${zc.size} entries held; off: ${Math.round(z.batch!).toLocaleString('en-US')}/s, lookupJson per call ${Math.round(z.prebuilt!).toLocaleString('en-US')}/s`,
    extra: { hitRate: zipfHits, distinct: byRank.length, held: zc.size },
  });

  // 4. mmdb-lib over an MMDB of the same prefixes, written by MaxMind's own writer.
  if (mmdbWriterAvailable()) {
    const cache = resolve(BENCH_DIR, '.cache');
    mkdirSync(cache, { recursive: true });
    const mmdb = resolve(
      cache,
      `real-${set.lists
        .map((l) => l.version)
        .join('-')
        .replace(/[^\w-]/g, '')}.mmdb`,
    );
    if (!existsSync(mmdb)) {
      const lines = set.lists
        .flatMap((l) => l.entries.map((e) => ({ bits: e.prefix.bits, v: e.prefix.version, line: `${e.prefix.toString()}\t${l.name}\t${l.tag}` })))
        .sort((a, b) => (a.v === b.v ? 0 : a.v === 4 ? -1 : 1) || a.bits - b.bits);
      // Later lines overwrite earlier ones: with the lists reversed inside one length, list order wins ties.
      const tsv = resolve(cache, 'prefixes.tsv');
      writeFileSync(tsv, lines.map((l) => l.line).join('\n') + '\n');
      const t0 = performance.now();
      execFileSync('perl', [resolve(BENCH_DIR, 'mmdb-write.pl'), tsv, mmdb], { stdio: 'inherit' });
      console.error(`wrote ${mmdb} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const reader = new Reader(readFileSync(mmdb));
    // Sanity: both agree on the tag of a known Azure address.
    const probe = reader.get('13.107.4.50');
    if ((probe as { tag?: string } | null)?.tag !== 'Microsoft') throw new Error(`mmdb probe gave ${JSON.stringify(probe)}`);
    const { settings, sources } = ownerSettingsOf(loadConfig(undefined, {}).config, BENCH_DIR);
    const ownersLoaded = await loadOwners({ ...settings, cacheDir: resolve(BENCH_DIR, 'results', 'owner-cache') }, sources);
    if (ownersLoaded.table === null) throw new Error(`owner layer: ${ownersLoaded.info.error}`);
    const withOwners = new Enricher(classifier, enricher.options, undefined, undefined, ownersLoaded.table);
    const sysmonSeen = new Map<string, number>();
    for (const ip of sysmonDestinations()) sysmonSeen.set(ip, (sysmonSeen.get(ip) ?? 0) + 1);
    const zipfSysmon = zipfMix(
      [...sysmonSeen.entries()].sort((a, b) => b[1] - a[1]).map(([ip]) => ip),
      n,
    );
    // Per call, interleaved rounds: the classifier's answer (the table's own result: address and
    // match set) and the enricher's (the contract's result object, verdict included).
    const perCall = interleaved(n, {
      mmdb: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (reader.get(ips[i]!)) k++;
        return k;
      },
      classifier: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (classifier.lookup(ips[i]!)) k++;
        return k;
      },
      result: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (enricher.lookup(ips[i]!).action === 'keep') k++;
        return k;
      },
      // With the owner layer loaded (the installed ASN and country datasets): what a default server answers.
      resultOwners: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (withOwners.lookup(ips[i]!).action === 'keep') k++;
        return k;
      },
      jsonOwners: each(ips, (ip) => withOwners.lookupJson(ip)),
      batchOwners: batches(zipfSysmon, 1000, (c) => withOwners.lookupMany(c)),
      // The hot slice: the mix's first 1,000 addresses over and over (their table paths stay in cache).
      hotMmdb: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (reader.get(ips[i % 1000]!)) k++;
        return k;
      },
      hotClassifier: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (classifier.lookup(ips[i % 1000]!)) k++;
        return k;
      },
    });
    rows.push({ scenario: 'lookup', name: 'mmdb-lib Reader.get (same prefixes)', opsPerSec: perCall.mmdb! });
    rows.push({
      scenario: 'lookup',
      name: 'ipdest classifier.lookup vs mmdb-lib (interleaved)',
      opsPerSec: perCall.classifier!,
      ratio: perCall.classifier! / perCall.mmdb!,
      baseline: 'ipdest ÷ mmdb-lib',
      note: `target ≥ 5×; ${(1e9 / perCall.classifier!).toFixed(0)} ns a call`,
    });
    rows.push({
      scenario: 'lookup',
      name: 'ipdest classifier.lookup vs mmdb-lib, hot 1k slice',
      opsPerSec: perCall.hotClassifier!,
      ratio: perCall.hotClassifier! / perCall.hotMmdb!,
      baseline: 'ipdest ÷ mmdb-lib',
      note: `mmdb-lib ${Math.round(perCall.hotMmdb!).toLocaleString('en-US')}/s`,
    });
    rows.push({
      scenario: 'lookup',
      name: 'with the owner layer: enricher.lookup vs mmdb-lib',
      opsPerSec: perCall.resultOwners!,
      ratio: perCall.resultOwners! / perCall.mmdb!,
      baseline: 'ipdest ÷ mmdb-lib',
      note: `${ownersLoaded.info.prefixes.v4 + ownersLoaded.info.prefixes.v6} owner prefixes, table ${(ownersLoaded.table.bytes / 2 ** 20).toFixed(1)} MiB; ${(perCall.resultOwners! / perCall.result!).toFixed(2)}× the same without owners`,
    });
    rows.push({
      scenario: 'lookup',
      name: 'with the owner layer: lookupJson vs mmdb-lib',
      opsPerSec: perCall.jsonOwners!,
      ratio: perCall.jsonOwners! / perCall.mmdb!,
      baseline: 'ipdest JSON text ÷ mmdb-lib object',
    });
    rows.push({
      scenario: 'lookup',
      name: 'with the owner layer: lookupMany + cache (Zipf over the Sysmon destinations) vs mmdb-lib',
      opsPerSec: perCall.batchOwners!,
      ratio: perCall.batchOwners! / perCall.mmdb!,
      baseline: 'ipdest ÷ mmdb-lib',
      note: 'target ≥ 10×',
    });
    rows.push({
      scenario: 'lookup',
      name: 'ipdest enricher.lookup (result object + verdict) vs mmdb-lib',
      opsPerSec: perCall.result!,
      ratio: perCall.result! / perCall.mmdb!,
      baseline: 'ipdest ÷ mmdb-lib',
    });
    // The same against the prebuilt JSON text, interleaved: mmdb-lib gives an object, not yet text.
    const vs = interleaved(n, {
      mmdb: () => {
        let k = 0;
        for (let i = 0; i < n; i++) if (reader.get(ips[i]!)) k++;
        return k;
      },
      prebuilt: each(ips, (ip) => enricher.lookupJson(ip)),
    });
    rows.push({
      scenario: 'lookup',
      name: 'ipdest lookupJson vs mmdb-lib Reader.get (interleaved)',
      opsPerSec: vs.prebuilt!,
      ratio: vs.prebuilt! / vs.mmdb!,
      baseline: 'ipdest JSON text ÷ mmdb-lib object',
      note: `mmdb-lib ${Math.round(vs.mmdb!).toLocaleString('en-US')}/s`,
    });
  } else {
    rows.push({ scenario: 'lookup', name: 'mmdb-lib Reader.get (same prefixes)', opsPerSec: null, note: 'skipped: run npm run bench:setup (MaxMind writer)' });
  }

  // 5. A linear scan over 1,000 prefixes, as the Logstash cidr filter does per event.
  const subset = set.lists
    .flatMap((l) => l.entries)
    .filter((_, i) => i % 50 === 0)
    .slice(0, 1000)
    .map((e) => ipaddr.parseCIDR(e.prefix.toString()));
  const parsed = ips.map((s) => ipaddr.process(s));
  const linear = measure(
    n / 10,
    (i) => {
      const a = parsed[i]!;
      for (const range of subset) if (a.kind() === range[0].kind() && a.match(range)) return true;
      return false;
    },
    3,
    1,
  );
  rows.push({
    scenario: 'lookup',
    name: 'linear scan, 1,000 prefixes (ipaddr.js match)',
    opsPerSec: linear,
    ratio: own / linear,
    baseline: 'ipdest (65k prefixes) ÷ scan',
  });

  // 6. Load time and memory, in a fresh plain-Node process.
  const child = JSON.parse(execFileSync(process.execPath, ['--expose-gc', resolve(BENCH_DIR, 'load-child.mjs')], { encoding: 'utf8' }));
  const bare = JSON.parse(execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify(process.memoryUsage()))'], { encoding: 'utf8' }));
  rows.push({
    scenario: 'lookup',
    name: 'load all real lists (fresh process)',
    opsPerSec: null,
    note: `${child.ms.toFixed(0)} ms; RSS ${(child.rss / 2 ** 20).toFixed(0)} MiB after load, ${(child.rssAfterGc / 2 ** 20).toFixed(0)} after GC, ${(child.rssSettled / 2 ** 20).toFixed(0)} settled (bare node ${(bare.rss / 2 ** 20).toFixed(0)}); heap ${(child.heapUsed / 2 ** 20).toFixed(0)} MiB, trie ${(child.tableBytes / 2 ** 20).toFixed(0)} MiB; targets ≤ 1 s, ≤ 150 MB`,
    extra: {
      loadMs: child.ms,
      rssBytes: child.rss,
      rssAfterGcBytes: child.rssAfterGc,
      rssSettledBytes: child.rssSettled,
      bareNodeRssBytes: bare.rss,
      heapUsedBytes: child.heapUsed,
      tableBytes: child.tableBytes,
      prefixesV4: child.prefixes.v4,
      prefixesV6: child.prefixes.v6,
    },
  });
  return rows;
}
