// PrefixTable against a per-length hash-map oracle on seeded random prefix sets of 1k, 100k and 1M prefixes.
import t, { type Test } from 'tap';
import { PrefixTable, addrFrom4, addrFrom6, prefixFrom, rangeCover, type Addr, type PackedPrefixes, type Prefix } from '../../src/net/index.js';

/** A seeded generator (xorshift32), so a failure is the same failure on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const wordsOf = (a: Addr): number[] => (a.version === 4 ? [a.w0] : [a.w0, a.w1, a.w2, a.w3]);

/** The words `full` (the whole words of the first `bits` bits, joined) and the masked partial word make the key. */
function key(w: readonly number[], full: readonly string[], bits: number): string | number {
  // IPv4 keys are the masked address itself: most probes are IPv4, and number keys are cheap.
  if (w.length === 1) return bits === 0 ? 0 : bits === 32 ? w[0]! : (w[0]! & ~(0xffffffff >>> bits)) >>> 0;
  const q = bits >>> 5;
  const r = bits & 31;
  return r === 0 ? full[q]! : `${full[q]!}|${((w[q]! & ~(0xffffffff >>> r)) >>> 0).toString(16)}`;
}

function joined(w: readonly number[]): string[] {
  const out = [''];
  for (let i = 0; i < w.length; i++) out.push(`${out[i]!}${w[i]!.toString(16)}:`);
  return out;
}

/**
 * The oracle: per family, one Map per prefix length present, from the masked address to the
 * prefix's index; a probe tries the lengths longest first. It shares no code with the table.
 */
class Oracle {
  readonly #byLength = new Map<string, Map<string | number, number>>();
  readonly #lengths: Record<4 | 6, number[]> = { 4: [], 6: [] };

  constructor(prefixes: readonly Prefix[]) {
    prefixes.forEach((p, i) => {
      const k = `${p.version}/${p.bits}`;
      let m = this.#byLength.get(k);
      if (!m) {
        m = new Map();
        this.#byLength.set(k, m);
        this.#lengths[p.version].push(p.bits);
      }
      const w = wordsOf(p.addr);
      m.set(key(w, p.version === 4 ? [] : joined(w), p.bits), i);
    });
    for (const v of [4, 6] as const) this.#lengths[v].sort((a, b) => b - a);
  }

  /** The index of the longest prefix holding addr, shorter than `below` bits; -1 when none. */
  longest(addr: Addr, below = 129): number {
    const w = wordsOf(addr);
    const full = addr.version === 4 ? [] : joined(w);
    for (const bits of this.#lengths[addr.version]) {
      if (bits >= below) continue;
      const i = this.#byLength.get(`${addr.version}/${bits}`)!.get(key(w, full, bits));
      if (i !== undefined) return i;
    }
    return -1;
  }
}

/** Random prefixes: clustered ones (so they nest), uniform ones, and the extremes /0, /32, /128. */
function randomPrefixes(n: number, seed: number, v6Share = 0.3): Prefix[] {
  const next = rng(seed);
  const seen = new Set<string>();
  const out: Prefix[] = [];
  const add = (p: Prefix) => {
    if (seen.has(p.key)) return;
    seen.add(p.key);
    out.push(p);
  };
  add(prefixFrom(addrFrom4(0), 0));
  add(prefixFrom(addrFrom6(0, 0, 0, 0), 0));
  while (out.length < n) {
    const r = next() % 100;
    const v6 = next() % 1000 < v6Share * 1000;
    if (!v6) {
      // Half in 10.0.0.0/8 and 192.168.0.0/16 so that prefixes nest; lengths weighted to /16-/32.
      const cluster = r < 30 ? 0x0a000000 | (next() & 0xffffff) : r < 50 ? 0xc0a80000 | (next() & 0xffff) : next();
      const bits = r % 10 === 0 ? 32 : r % 10 === 1 ? next() % 17 : 16 + (next() % 17);
      add(prefixFrom(addrFrom4(cluster), bits));
    } else {
      const w0 = r < 50 ? 0x20010db8 : 0x20000000 | (next() & 0x1fffffff);
      const w1 = r < 70 ? next() & 0xffff0000 : next();
      const bits = r % 10 === 0 ? 128 : r % 10 === 1 ? next() % 33 : r % 10 < 7 ? 32 + (next() % 33) : next() % 129;
      add(prefixFrom(addrFrom6(w0, w1, next(), next()), bits));
    }
  }
  return out;
}

/** First and last address of p, and one below and above each when they exist. */
function boundaries(p: Prefix): Addr[] {
  const first = wordsOf(p.addr);
  const last = wordsOf(p.last());
  const out = [first, last];
  const below = add(first, -1);
  const above = add(last, 1);
  if (below) out.push(below);
  if (above) out.push(above);
  return out.map((w) => (w.length === 1 ? addrFrom4(w[0]!) : addrFrom6(w[0]!, w[1]!, w[2]!, w[3]!)));
}

/** words ± 1 with the carry across words, or undefined past either end. */
function add(words: readonly number[], d: 1 | -1): number[] | undefined {
  const w = words.slice();
  for (let i = w.length - 1; i >= 0; i--) {
    const v = w[i]! + d;
    if (v >= 0 && v <= 0xffffffff) {
      w[i] = v;
      return w;
    }
    w[i] = d === 1 ? 0 : 0xffffffff;
  }
  return undefined;
}

/** The prefixes in typed arrays, as a range loader packs them. */
function pack(prefixes: readonly Prefix[]): PackedPrefixes {
  const n = prefixes.length;
  const p = { count: n, versions: new Uint8Array(n), bits: new Uint8Array(n), words: new Uint32Array(4 * n) };
  prefixes.forEach((x, i) => {
    p.versions[i] = x.version;
    p.bits[i] = x.bits;
    for (let k = 0; k < 4; k++) p.words[4 * i + k] = x.addr.word(k);
  });
  return p;
}

type Build = (prefixes: Prefix[]) => PrefixTable<number>;
const fromEntries: Build = (prefixes) => PrefixTable.build(prefixes.map((prefix, i) => ({ prefix, value: i })));
const fromPacked: Build = (prefixes) => PrefixTable.fromPacked(pack(prefixes), (i) => i);

function check(t: Test, prefixes: Prefix[], randomProbes: number, seed: number, build: Build = fromEntries): void {
  const table = build(prefixes);
  const oracle = new Oracle(prefixes);
  const next = rng(seed);
  const probes = prefixes.flatMap(boundaries);
  for (let i = 0; i < randomProbes; i++) {
    probes.push(addrFrom4(next()), addrFrom4(0x0a000000 | (next() & 0xffffff)), addrFrom6(0x20010db8, next() & 0xffff0000, next(), next()));
  }
  let bad = 0;
  for (const a of probes) {
    const want = oracle.longest(a);
    const got = table.longestMatch(a);
    if ((got ?? -1) !== want && bad++ < 5)
      t.fail(`${a.toString()}: table ${got === undefined ? 'miss' : prefixes[got]!.toString()}, oracle ${want < 0 ? 'miss' : prefixes[want]!.toString()}`);
  }
  t.equal(bad, 0, `${probes.length} probes agree`);
  const v4 = prefixes.filter((p) => p.version === 4).length;
  t.same(table.size, { v4, v6: prefixes.length - v4 });
}

t.test('1k random prefixes agree with the oracle at every boundary', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) check(t, randomPrefixes(1000, seed), 2000, seed);
});

t.test('100k random prefixes agree with the oracle at every boundary', async (t) => {
  // IPv6 a tenth, as in the real lists: an IPv6 probe costs the oracle up to 129 map lookups.
  check(t, randomPrefixes(100_000, 7, 0.1), 20_000, 7);
});

t.test('a table built from packed prefixes agrees with the oracle at every boundary', async (t) => {
  for (const seed of [21, 22]) check(t, randomPrefixes(1000, seed), 2000, seed, fromPacked);
  check(t, randomPrefixes(100_000, 23, 0.1), 20_000, 23, fromPacked);
});

t.test('a duplicate among packed prefixes is a build error naming it', async (t) => {
  const prefixes = randomPrefixes(2000, 24);
  prefixes.push(prefixes[1234]!);
  t.throws(() => fromPacked(prefixes), /duplicate prefix IPv[46] /);
});

t.test('random range partitions: the packed CIDR cover in a table answers as the ranges do', async (t) => {
  // Sorted, non-overlapping IPv4 ranges with gaps (an ASN table's shape), each a value: the oracle
  // is a binary search over the raw ranges, sharing no code with the cover or the table.
  for (const [count, seed] of [
    [1000, 31],
    [200_000, 32],
  ] as const) {
    const next = rng(seed);
    const cuts = new Set<number>();
    while (cuts.size < 2 * count) cuts.add(next() >>> 0);
    const sorted = [...cuts].sort((a, b) => a - b);
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < sorted.length; i += 2) {
      starts.push(sorted[i]!);
      ends.push(sorted[i + 1]!);
    }
    const n0 = { versions: [] as number[], bits: [] as number[], words: [] as number[], value: [] as number[] };
    starts.forEach((s, r) => {
      rangeCover(addrFrom4(s), addrFrom4(ends[r]!), (version, bits, w0, w1, w2, w3) => {
        n0.versions.push(version);
        n0.bits.push(bits);
        n0.words.push(w0, w1, w2, w3);
        n0.value.push(r);
      });
    });
    const table = PrefixTable.fromPacked(
      { count: n0.versions.length, versions: Uint8Array.from(n0.versions), bits: Uint8Array.from(n0.bits), words: Uint32Array.from(n0.words) },
      (i) => n0.value[i]!,
    );
    const oracle = (a: number): number => {
      let lo = 0;
      let hi = starts.length - 1;
      let at = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! <= a) {
          at = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return at >= 0 && a <= ends[at]! ? at : -1;
    };
    const probes: number[] = [];
    for (let r = 0; r < starts.length; r += Math.max(1, Math.floor(starts.length / 5000))) {
      for (const a of [starts[r]! - 1, starts[r]!, starts[r]! + 1, ends[r]! - 1, ends[r]!, ends[r]! + 1]) if (a >= 0 && a <= 0xffffffff) probes.push(a);
    }
    for (let i = 0; i < 20_000; i++) probes.push(next() >>> 0);
    let bad = 0;
    for (const a of probes) if ((table.longestMatch(addrFrom4(a)) ?? -1) !== oracle(a) && bad++ < 5) t.fail(`${a}: table and ranges disagree`);
    t.equal(bad, 0, `${count} ranges (${n0.versions.length} prefixes): ${probes.length} probes agree`);
  }
});

t.test('resolve gets the longest strictly shorter enclosing prefix', async (t) => {
  const prefixes = randomPrefixes(3000, 11);
  const oracle = new Oracle(prefixes);
  const outerOf: number[] = [];
  const table = PrefixTable.build<number, number>(
    prefixes.map((prefix, i) => ({ prefix, value: i })),
    (own, outer) => {
      outerOf[own] = outer ?? -1;
      return own;
    },
  );
  let bad = 0;
  prefixes.forEach((p, i) => {
    if (outerOf[i] !== oracle.longest(p.addr, p.bits)) bad++;
  });
  t.equal(bad, 0, 'every outer value is the oracle’s');
  t.equal(table.longestMatch(prefixes[5]!.addr) !== undefined, true);
});

t.test('steps yield about every chunk of prefixes and build the same table', async (t) => {
  const prefixes = randomPrefixes(20_000, 13);
  const entries = prefixes.map((prefix, i) => ({ prefix, value: i }));
  const steps = PrefixTable.steps(entries, undefined, 1000);
  let yields = 0;
  let r = steps.next();
  while (!r.done) {
    yields++;
    r = steps.next();
  }
  t.ok(yields >= 30, `${yields} yields for 20k prefixes in chunks of 1000`);
  const whole = PrefixTable.build(entries);
  t.equal(r.value.bytes, whole.bytes);
  const next = rng(3);
  for (let i = 0; i < 1000; i++) {
    const a = addrFrom4(next());
    if (r.value.longestMatch(a) !== whole.longestMatch(a)) t.fail(a.toString());
  }
});

t.test('a duplicate among many prefixes is a build error', async (t) => {
  const prefixes = randomPrefixes(5000, 17);
  const entries = prefixes.map((prefix, i) => ({ prefix, value: i }));
  entries.push({ prefix: prefixes[4321]!, value: -1 });
  t.throws(() => PrefixTable.build(entries), /duplicate prefix/);
});

t.test('1M random IPv4 prefixes: built, sized and checked on sampled probes', async (t) => {
  const next = rng(99);
  const seen = new Set<number>();
  const prefixes: Prefix[] = [];
  while (prefixes.length < 1_000_000) {
    const r = next() % 100;
    const bits = r < 60 ? 24 : r < 85 ? 16 + (next() % 8) : 25 + (next() % 8);
    const p = prefixFrom(addrFrom4(next()), bits);
    const key = p.addr.w0 * 64 + bits;
    if (seen.has(key)) continue;
    seen.add(key);
    prefixes.push(p);
  }
  const t0 = performance.now();
  const table = PrefixTable.build(prefixes.map((prefix, i) => ({ prefix, value: i })));
  const ms = performance.now() - t0;
  t.ok(table.bytes < 100 * 2 ** 20, `${(table.bytes / 2 ** 20).toFixed(1)} MiB, built in ${ms.toFixed(0)} ms`);
  const oracle = new Oracle(prefixes);
  const probes: Addr[] = [];
  for (let i = 0; i < 2000; i++) probes.push(...boundaries(prefixes[next() % prefixes.length]!));
  for (let i = 0; i < 20_000; i++) probes.push(addrFrom4(next()));
  let bad = 0;
  for (const a of probes) if ((table.longestMatch(a) ?? -1) !== oracle.longest(a)) bad++;
  t.equal(bad, 0, `${probes.length} sampled probes agree`);
});
