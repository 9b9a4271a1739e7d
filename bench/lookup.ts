// Scenario `lookup`: string in, result out, on the real lists, against mmdb-lib, ipaddr.js, our parse and a linear scan.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader } from 'mmdb-lib';
import { loadLists } from '../src/lists/index.js';
import { parseAddr } from '../src/net/index.js';
import { Enricher } from '../src/enrich/index.js';
import { BENCH_DIR, SHARED_DATA, measure, type Row } from './harness.js';
import { REAL_SOURCES, addressMix } from './real-lists.js';

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

  // 1. ipdest: string in, result out.
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
    const mm = measure(n, (i) => reader.get(ips[i]!) ?? 1);
    rows.push({
      scenario: 'lookup',
      name: 'mmdb-lib Reader.get (same prefixes)',
      opsPerSec: mm,
      ratio: own / mm,
      baseline: 'ipdest ÷ mmdb-lib',
      note: 'target ≥ 10×',
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
