// Scenario `table`: PrefixTable against the previous table over 1k to 1M prefixes: build time, size, RSS and lookups/s.
// Env: BENCH_TABLE_SIZES (comma-separated random set sizes, default 1000,10000,500000,1000000; the real lists always run).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadLists } from '../src/lists/index.js';
import { PrefixTable, addrFrom4, addrFrom6, mustParseAddr, prefixFrom, type Addr, type Prefix } from '../src/net/index.js';
import { SHARED_DATA, median, measure, type Row } from './harness.js';
import { OldPrefixTable } from './old-trie.js';
import { REAL_SOURCES, addressMix, rng } from './real-lists.js';

interface Table {
  longestMatch(a: Addr): unknown;
  bytes: number;
}
type Build = (entries: Array<{ prefix: Prefix; value: number }>) => Table;
const BUILDS: Record<'new' | 'old', Build> = {
  new: (e) => PrefixTable.build(e),
  old: (e) => OldPrefixTable.build(e),
};

/**
 * n random prefixes, 90% IPv4 (60% /24, 25% /16-/23, 10% /25-/32, 5% /8-/15, as routing tables
 * and cloud lists mix them) and 10% IPv6 under 256 random /32s of 2000::/3 (real IPv6 lists are
 * clustered that way), /33-/64 mostly and some /128.
 */
export function randomPrefixes(n: number, seed = 7): Prefix[] {
  const next = rng(seed);
  // The LCG's low bits are weak: draw from its high bits.
  const draw = () => next() >>> 8;
  const roots = Array.from({ length: 256 }, () => 0x20000000 | (next() & 0x1fffffff));
  // Keys from the words, not Prefix.key: that would keep two strings per prefix alive in the RSS figures.
  const seen = new Set<string | number>();
  const out: Prefix[] = [];
  while (out.length < n) {
    const r = draw() % 100;
    let p: Prefix;
    if (r < 90) {
      const bits = r < 54 ? 24 : r < 76 ? 16 + (draw() % 8) : r < 85 ? 25 + (draw() % 8) : 8 + (draw() % 8);
      p = prefixFrom(addrFrom4(next()), bits);
    } else {
      const bits = r < 98 ? 33 + (draw() % 32) : 128;
      p = prefixFrom(addrFrom6(roots[draw() % 256]!, next(), next(), next()), bits);
    }
    const key = p.version === 4 ? p.addr.w0 * 64 + p.bits : `${p.addr.w0},${p.addr.w1},${p.addr.w2},${p.addr.w3}/${p.bits}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** The probe mix over any prefix set: 40% inside IPv4 prefixes, 10% inside IPv6 ones, 40% random IPv4, 10% random IPv6. */
function probes(prefixes: Prefix[], n = 100_000, seed = 42): Addr[] {
  const next = rng(seed);
  const v4 = prefixes.filter((p) => p.version === 4);
  const v6 = prefixes.filter((p) => p.version === 6);
  const out: Addr[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 4 && v4.length) {
      const p = v4[next() % v4.length]!;
      out.push(addrFrom4((p.addr.w0 + (next() % 2 ** (32 - p.bits))) >>> 0));
    } else if (k === 4 && v6.length) {
      const p = v6[next() % v6.length]!;
      const low = 128 - p.bits >= 32 ? next() : next() % 2 ** (128 - p.bits);
      out.push(addrFrom6(p.addr.w0, p.addr.w1, p.addr.w2, (p.addr.w3 | low) >>> 0));
    } else if (k < 9) {
      out.push(addrFrom4(next()));
    } else {
      out.push(addrFrom6(0x20000000 | (next() & 0x1fffffff), next(), next(), next()));
    }
  }
  return out;
}

async function prefixSet(size: string): Promise<{ prefixes: Prefix[]; probes: Addr[] }> {
  if (size === 'real') {
    const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
    const seen = new Map<string, Prefix>();
    for (const l of set.lists) for (const e of l.entries) seen.set(e.prefix.key, e.prefix);
    return { prefixes: [...seen.values()], probes: addressMix(set).map(mustParseAddr) };
  }
  const prefixes = randomPrefixes(Number(size));
  return { prefixes, probes: probes(prefixes) };
}

const entriesOf = (prefixes: Prefix[]) => prefixes.map((prefix, value) => ({ prefix, value }));

/**
 * In a child process of its own: RSS after building one table (after a GC), so no other case's
 * garbage counts; then settled, with the input prefixes dropped, as a server holds only the table.
 */
async function child(which: 'new' | 'old', size: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // The input lives only in built()'s frame: gone once it returns.
  const built = async () => {
    const entries = entriesOf((await prefixSet(size)).prefixes);
    gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const table = BUILDS[which](entries);
    const ms = performance.now() - t0;
    gc?.();
    return { table, ms, before, rss: process.memoryUsage().rss };
  };
  const { table, ms, before, rss } = await built();
  // A turn of the event loop first: the finished async frames are only then unreachable.
  await new Promise((resolve) => setImmediate(resolve));
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ ms, rss, before, settled: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, bytes: table.bytes }) + '\n');
}

function inChild(
  which: 'new' | 'old',
  size: string,
): { ms: number; rss: number; before: number; settled: number; heapUsed: number; arrayBuffers: number; bytes: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', which, size], { encoding: 'utf8' });
  return JSON.parse(out);
}

const MiB = (b: number) => (b / 2 ** 20).toFixed(1);

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes = ['1000', '10000', 'real', ...(process.env.BENCH_TABLE_SIZES ?? '500000,1000000').split(',').filter(Boolean)];
  const rates = new Map<string, number>();
  for (const size of sizes) {
    const { prefixes, probes: ips } = await prefixSet(size);
    const entries = entriesOf(prefixes);
    const tables = { new: BUILDS.new(entries), old: BUILDS.old(entries) };
    // Same answers, or the figures mean nothing.
    for (const a of ips) if (tables.new.longestMatch(a) !== tables.old.longestMatch(a)) throw new Error(`tables disagree on ${a.toString()}`);
    // Rounds interleaved, new then old, so drift on a shared machine hits both.
    const got: Record<'new' | 'old', number[]> = { new: [], old: [] };
    for (let r = 0; r < 7; r++) {
      for (const which of ['new', 'old'] as const) {
        const t = tables[which];
        got[which].push(measure(ips.length, (i) => t.longestMatch(ips[i]!), 1, r === 0 ? 2 : 0));
      }
    }
    const label = size === 'real' ? `real lists (${prefixes.length})` : `${Number(size).toLocaleString('en-US')} random`;
    const stats = { new: inChild('new', size), old: inChild('old', size) };
    const rate = { new: median(got.new), old: median(got.old) };
    rates.set(size, rate.new);
    for (const which of ['new', 'old'] as const) {
      const s = stats[which];
      rows.push({
        scenario: 'table',
        name: `${which} table, ${label}`,
        opsPerSec: rate[which],
        ...(which === 'new' ? { ratio: rate.new / rate.old, baseline: 'new ÷ old lookups' } : {}),
        note: `build ${s.ms.toFixed(0)} ms; table ${MiB(s.bytes)} MiB; RSS ${MiB(s.rss)} MiB after build (+${MiB(s.rss - s.before)}), ${MiB(s.settled)} with the input dropped (heap ${MiB(s.heapUsed)} + buffers ${MiB(s.arrayBuffers)}); ${(1e9 / rate[which]).toFixed(0)} ns/lookup`,
        extra: {
          prefixes: prefixes.length,
          buildMs: s.ms,
          tableBytes: s.bytes,
          rssBytes: s.rss,
          rssBeforeBytes: s.before,
          rssSettledBytes: s.settled,
          heapUsedBytes: s.heapUsed,
          arrayBufferBytes: s.arrayBuffers,
        },
      });
    }
  }
  const real = rates.get('real');
  const top = rates.get('1000000');
  if (real !== undefined && top !== undefined) {
    rows.push({
      scenario: 'table',
      name: 'new table: 1M lookups ÷ real-lists lookups',
      opsPerSec: null,
      ratio: top / real,
      baseline: 'real lists',
      note: `target ≥ 0.5×; ${(1e9 / top).toFixed(0)} ns/lookup at 1M`,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  await child(process.argv[3] as 'new' | 'old', process.argv[4]!);
}
