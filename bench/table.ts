// Scenario `table`: PrefixTable against the previous table over 1k to 1M prefixes: build time, size, RSS and lookups/s.
// Env: BENCH_TABLE_SIZES (comma-separated random set sizes, default 1000,10000,500000,1000000; the real lists always run).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLists } from '../src/lists/index.js';
import {
  AddrParseError,
  IntervalError,
  PrefixTable,
  addrFrom4,
  addrFrom6,
  buildIntervalTable,
  mustParseAddr,
  parseAddr,
  prefixFrom,
  rangeCover,
  type Addr,
  type PackedPrefixes,
  type Prefix,
} from '../src/net/index.js';
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
  const out: Prefix[] = [];
  randomPrefixWords(n, seed, (version, bits, w0, w1, w2, w3) => out.push(prefixFrom(version === 4 ? addrFrom4(w0) : addrFrom6(w0, w1, w2, w3), bits)));
  return out;
}

type Emit = (version: 4 | 6, bits: number, w0: number, w1: number, w2: number, w3: number) => void;

/** The same prefixes as words, masked, with no object per prefix (the packed build's input). */
function randomPrefixWords(n: number, seed: number, emit: Emit): void {
  const next = rng(seed);
  // The LCG's low bits are weak: draw from its high bits.
  const draw = () => next() >>> 8;
  const roots = Array.from({ length: 256 }, () => 0x20000000 | (next() & 0x1fffffff));
  const mask = (w: number, rest: number) => (rest >= 32 ? w : rest <= 0 ? 0 : (w & ~(0xffffffff >>> rest)) >>> 0);
  const seen = new Set<string | number>();
  let count = 0;
  while (count < n) {
    const r = draw() % 100;
    if (r < 90) {
      const bits = r < 54 ? 24 : r < 76 ? 16 + (draw() % 8) : r < 85 ? 25 + (draw() % 8) : 8 + (draw() % 8);
      const w0 = mask(next(), bits);
      const key = w0 * 64 + bits;
      if (seen.has(key)) continue;
      seen.add(key);
      emit(4, bits, w0, 0, 0, 0);
    } else {
      const bits = r < 98 ? 33 + (draw() % 32) : 128;
      const w = [roots[draw() % 256]!, next(), next(), next()].map((x, k) => mask(x, bits - 32 * k));
      const key = `${w.join(',')}/${bits}`;
      if (seen.has(key)) continue;
      seen.add(key);
      emit(6, bits, w[0]!, w[1]!, w[2]!, w[3]!);
    }
    count++;
  }
}

/** A growable PackedPrefixes, filled by an Emit. */
class Packer {
  count = 0;
  versions = new Uint8Array(1024);
  bits = new Uint8Array(1024);
  words = new Uint32Array(4096);
  readonly emit: Emit = (version, bits, w0, w1, w2, w3) => {
    if (this.count === this.versions.length) {
      const grow = <A extends Uint8Array | Uint32Array>(a: A, by: number): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a.subarray(0, this.count * by));
        return b;
      };
      this.versions = grow(this.versions, 1);
      this.bits = grow(this.bits, 1);
      this.words = grow(this.words, 4);
    }
    const i = this.count++;
    this.versions[i] = version;
    this.bits[i] = bits;
    this.words.set([w0, w1, w2, w3], 4 * i);
  };
  packed(): PackedPrefixes {
    return { count: this.count, versions: this.versions, bits: this.bits, words: this.words };
  }
}

/** The ASN ranges of the `@ip-location-db/asn` package (RouteViews + DB-IP), when installed. */
function asnFiles(): { v4: string; v6: string } | null {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'));
    const f = { v4: join(dir, 'asn-ipv4.csv'), v6: join(dir, 'asn-ipv6.csv') };
    return existsSync(f.v4) && existsSync(f.v6) ? f : null;
  } catch {
    return null;
  }
}

/**
 * Each `start,end,asn,org` row of the ASN files: the range's two ends and its AS number. A few
 * rows overlap the one before (214.95.0.0-215.0.255.255 and 215.0.0.0-215.1.3.255 in the
 * 2026-06 file): the earlier row keeps the overlap, the later one starts after it, so the trie
 * and the interval table get the same disjoint ranges.
 */
function forEachAsnRange(each: (start: Addr, end: Addr, asn: number) => void): number {
  const files = asnFiles();
  if (!files) throw new Error('@ip-location-db/asn is not installed (npm ci)');
  let n = 0;
  for (const [file, version] of [
    [files.v4, 4],
    [files.v6, 6],
  ] as const) {
    let lastEnd = -1n;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      const c1 = line.indexOf(',');
      const c2 = line.indexOf(',', c1 + 1);
      const c3 = line.indexOf(',', c2 + 1);
      let start = parseAddr(line.slice(0, c1));
      const end = parseAddr(line.slice(c1 + 1, c2));
      if (start instanceof AddrParseError || end instanceof AddrParseError) throw new Error(`${file}: bad row ${line}`);
      const e = big(end);
      if (e <= lastEnd) continue;
      if (big(start) <= lastEnd) start = fromBig(lastEnd + 1n, version);
      lastEnd = e;
      each(start, end, Number(line.slice(c2 + 1, c3)));
      n++;
    }
  }
  return n;
}

const big = (a: Addr): bigint => (a.version === 4 ? BigInt(a.w0) : (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3));
const fromBig = (x: bigint, version: 4 | 6): Addr =>
  version === 4
    ? addrFrom4(Number(x))
    : addrFrom6(Number((x >> 96n) & 0xffffffffn), Number((x >> 64n) & 0xffffffffn), Number((x >> 32n) & 0xffffffffn), Number(x & 0xffffffffn));

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
  if (size === 'asn') {
    const prefixes: Prefix[] = [];
    forEachAsnRange((start, end) => {
      rangeCover(start, end, (version, bits, w0, w1, w2, w3) => prefixes.push(prefixFrom(version === 4 ? addrFrom4(w0) : addrFrom6(w0, w1, w2, w3), bits)));
    });
    return { prefixes, probes: probes(prefixes) };
  }
  const prefixes = randomPrefixes(Number(size));
  return { prefixes, probes: probes(prefixes) };
}

/** The packed input of a size, for the new table's memory figures: no Prefix object made. */
function packedSet(size: string): PackedPrefixes | null {
  const p = new Packer();
  if (size === 'asn') forEachAsnRange((start, end) => void rangeCover(start, end, p.emit));
  else if (size !== 'real') randomPrefixWords(Number(size), 7, p.emit);
  else return null;
  return p.packed();
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
    // The new table is fed typed arrays where the input is generated or read as ranges (as a
    // range loader feeds it); the old one, and the real lists, take Prefix entries.
    const packed = which === 'new' ? packedSet(size) : null;
    const entries = packed ? [] : entriesOf((await prefixSet(size)).prefixes);
    gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const table: Table = packed ? PrefixTable.fromPacked(packed, (i) => i) : BUILDS[which](entries);
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
  if (asnFiles()) sizes.push('asn');
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
    const label =
      size === 'real'
        ? `real lists (${prefixes.length})`
        : size === 'asn'
          ? `real ASN ranges as CIDRs (${prefixes.length.toLocaleString('en-US')})`
          : `${Number(size).toLocaleString('en-US')} random`;
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
  if (asnFiles()) rows.push(...intervalRows());
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
    // Go's bart publishes 9–18 ns a lookup at ~1M prefixes (compiled, native words, no string parse).
    rows.push({
      scenario: 'table',
      name: 'new table at 1M: ns a lookup ÷ Go bart (9–18 ns)',
      opsPerSec: null,
      ratio: 1e9 / top / 18,
      baseline: 'bart 18 ns',
      note: `${(1e9 / top / 9).toFixed(1)}× bart's 9 ns, ${(1e9 / top / 18).toFixed(1)}× its 18 ns (higher is slower)`,
    });
  }
  return rows;
}

/**
 * The ASN ranges as they are (no CIDR split) in an IntervalTable: build, RSS in a child, and
 * lookups against the trie of their cover on the same probes, interleaved.
 */
function intervalRows(): Row[] {
  const stats = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', 'intervals', 'asn'], { encoding: 'utf8' }),
  );
  const ranges: Array<{ start: Addr; end: Addr; value: number }> = [];
  const packer = new Packer();
  const n = forEachAsnRange((start, end, asn) => {
    ranges.push({ start, end, value: asn });
    rangeCover(start, end, packer.emit);
  });
  const intervals = buildIntervalTable(ranges);
  if (intervals instanceof IntervalError) throw new Error(intervals.message);
  const byRange: number[] = [];
  for (const r of ranges) rangeCover(r.start, r.end, () => byRange.push(r.value));
  const trie = PrefixTable.fromPacked(packer.packed(), (i) => byRange[i]!);
  const next = rng(5);
  const ips: Addr[] = [];
  for (let i = 0; i < 100_000; i++) {
    const r = ranges[next() % ranges.length]!;
    ips.push(i % 2 === 0 ? r.start : i % 4 === 1 ? r.end : addrFrom4(next()));
  }
  for (const a of ips) if (intervals.find(a) !== trie.longestMatch(a)) throw new Error(`interval table and trie disagree on ${a.toString()}`);
  const got = { intervals: [] as number[], trie: [] as number[] };
  for (let r = 0; r < 7; r++) {
    got.intervals.push(measure(ips.length, (i) => intervals.find(ips[i]!), 1, r === 0 ? 2 : 0));
    got.trie.push(measure(ips.length, (i) => trie.longestMatch(ips[i]!), 1, r === 0 ? 2 : 0));
  }
  const rate = { intervals: median(got.intervals), trie: median(got.trie) };
  return [
    {
      scenario: 'table',
      name: `interval table, real ASN ranges (${n.toLocaleString('en-US')})`,
      opsPerSec: rate.intervals,
      ratio: rate.intervals / rate.trie,
      baseline: 'the trie of their CIDR cover, same probes',
      note: `build ${stats.ms.toFixed(0)} ms; RSS ${MiB(stats.rss)} MiB after build, ${MiB(stats.settled)} settled (heap ${MiB(stats.heapUsed)} + buffers ${MiB(stats.arrayBuffers)}); ${(1e9 / rate.intervals).toFixed(0)} ns/lookup; ${intervals.size.v4 + intervals.size.v6} ranges held after joining`,
      extra: { ranges: n, buildMs: stats.ms, rssBytes: stats.rss, rssSettledBytes: stats.settled },
    },
  ];
}

/** The child of intervalRows: the interval table built from the ASN rows, and its memory. */
function intervalChild(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const ranges: Array<{ start: Addr; end: Addr; value: number }> = [];
  forEachAsnRange((start, end, asn) => ranges.push({ start, end, value: asn }));
  gc?.();
  const t0 = performance.now();
  const table = buildIntervalTable(ranges);
  const ms = performance.now() - t0;
  if (table instanceof IntervalError) throw new Error(table.message);
  ranges.length = 0;
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ ms, rss: m.rss, settled: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, size: table.size }) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child' && process.argv[3] === 'intervals') {
  intervalChild();
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  await child(process.argv[3] as 'new' | 'old', process.argv[4]!);
}
