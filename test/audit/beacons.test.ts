// Beacon scores against RITA v5's own test vectors, and synthetic perfect, jittered and random series.
//
// Vectors from activecm/rita analysis/beacons_test.go @ a3c51501a93af9ab0ebbed0f15f431bcf536ddf1
// (TestGetBeaconScore, TestGetTimestampScore, TestGetDataSizeScore, TestGetDurationScore,
// TestGetHistogramScore, TestCalculateCoefficientOfVariationScore), compared to 3 decimals as RITA does.
import t from 'tap';
import fc from 'fast-check';
import {
  BEACON_DEFAULTS,
  beaconScore,
  bucketedScore,
  coefficientOfVariationScore,
  dataSizeScore,
  durationScore,
  histogramEdges,
  histogramScore,
  LONG_CONNECTION_THRESHOLDS,
  scoreBeacon,
  timestampScore,
} from '../../src/audit/index.js';

const near = (t: any, got: number | undefined, want: number, msg: string) =>
  t.ok(got !== undefined && Math.abs(got - want) <= 0.001, `${msg}: ${got} ≈ ${want}`);

t.test('TestGetBeaconScore: the weighted sum, to 3 decimals', async (t) => {
  const rows: [number, number, number, number, number, number, number, number, number][] = [
    [0.8, 0.2, 0.7, 0.2, 0.6, 0.3, 0.5, 0.3, 0.63],
    [1, 0.25, 1, 0.25, 1, 0.25, 1, 0.25, 1],
    [1, 0.1, 1, 0.2, 1, 0.3, 1, 0.4, 1],
    [0.1, 0.25, 0.2, 0.25, 0.3, 0.25, 0.4, 0.25, 0.25],
    [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.3],
    [0.111, 0.173, 0.222, 0.325, 0.333, 0.299, 0.444, 0.203, 0.281],
    [0.1001, 0.249, 0.1002, 0.251, 0.1003, 0.25, 0.1004, 0.25, 0.10025],
  ];
  for (const [ts, tw, ds, dw, du, uw, hi, hw, want] of rows) near(t as any, beaconScore(ts, tw, ds, dw, du, uw, hi, hw), want, `${ts},${ds},${du},${hi}`);
});

t.test('TestGetTimestampScore', async (t) => {
  const rows: { name: string; ts: number[]; score?: number; skew?: number; mad?: number }[] = [
    { name: 'Simple Number List', ts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], score: 1, skew: 0, mad: 0 },
    {
      name: 'Perfect Intervals',
      ts: [1517338924, 1517338984, 1517339044, 1517339104, 1517339164, 1517339224, 1517339284, 1517339344, 1517339404, 1517339464],
      score: 1,
      skew: 0,
      mad: 0,
    },
    {
      name: 'Closely-Valued Intervals',
      ts: [1517338924, 1517339022, 1517339121, 1517339220, 1517339320, 1517339420, 1517339520, 1517339621, 1517339722, 1517339824],
      score: 0.995,
      skew: 0,
      mad: 1,
    },
    {
      name: 'Bi-Modal Intervals',
      ts: [1517338924, 1517339022, 1517339322, 1517339420, 1517339720, 1517339818, 1517340118, 1517340216, 1517340516, 1517340614, 1517340914],
      score: 0.746,
      skew: 0,
      mad: 101,
    },
    {
      name: 'Random Intervals',
      ts: [1517338924, 1517338925, 1517339224, 1517339249, 1517344224, 1517344314, 1517344316, 1517344358, 1517344858, 1517346358],
      score: 0.083,
      skew: 0.845,
      mad: 89,
    },
    { name: '< 3 Non-Zero Intervals', ts: [60, 60, 60, 60, 60, 60, 60, 60, 60] },
    { name: 'Length < 4', ts: [1517338924, 1517338925] },
    { name: 'Empty', ts: [] },
  ];
  for (const r of rows) {
    const got = timestampScore(r.ts);
    if (r.score === undefined) t.equal(got, null, `${r.name}: not scored`);
    else {
      near(t as any, got?.score, r.score, `${r.name} score`);
      near(t as any, got?.skew, r.skew!, `${r.name} skew`);
      near(t as any, got?.mad, r.mad!, `${r.name} MAD`);
    }
  }
});

t.test('TestGetDataSizeScore', async (t) => {
  const rows: { name: string; sizes: number[]; score?: number; skew?: number; mad?: number }[] = [
    { name: 'Simple Number List', sizes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], score: 0.773, skew: 0, mad: 2.5 },
    { name: 'Identical Sizes', sizes: [60, 60, 60, 60, 60, 60, 60, 60, 60], score: 1, skew: 0, mad: 0 },
    { name: 'Closely-Valued Sizes', sizes: [98, 99, 99, 100, 100, 100, 101, 101, 102], score: 0.995, skew: 0, mad: 1 },
    { name: 'Random Sizes', sizes: [524885, 1, 5000, 98654, 50, 41, 965842, 3], score: 0.008, skew: 0.984, mad: 2523 },
    { name: 'Only 0s', sizes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], score: 0.5, skew: 0, mad: 0 },
    { name: 'Length < 3', sizes: [100, 200] },
    { name: 'Empty', sizes: [] },
  ];
  for (const r of rows) {
    const got = dataSizeScore(r.sizes);
    if (r.score === undefined) t.equal(got, null, `${r.name}: not scored`);
    else {
      near(t as any, got?.score, r.score, `${r.name} score`);
      near(t as any, got?.skew, r.skew!, `${r.name} skew`);
      near(t as any, got?.mad, r.mad!, `${r.name} MAD`);
    }
  }
});

t.test('TestGetDurationScore', async (t) => {
  const T0 = 1517338924;
  const H = 3600;
  // [datasetMin, datasetMax, histMin, histMax, totalBars, longestRun, minHours, idealHours, coverage, consistency, score] or null: an error
  const rows: [number, number, number, number, number, number, number, number, [number, number, number] | null][] = [
    [T0, T0 + 24 * H, T0, T0 + 24 * H, 24, 24, 6, 12, [1, 1, 1]],
    [T0, T0 + 24 * H, T0, T0 + 24 * H, 6, 0, 6, 12, [1, 0, 1]],
    [T0, T0 + 24 * H, T0 + 12 * H, T0 + 24 * H, 6, 0, 6, 12, [0.5, 0, 0.5]],
    [T0, T0 + 24 * H, T0, T0 + 12 * H, 6, 0, 6, 12, [0.5, 0, 0.5]],
    [T0, T0 + 24 * H, T0 + 6 * H, T0 + 24 * H, 6, 0, 6, 12, [0.75, 0, 0.75]],
    [T0, T0 + 24 * H, T0 + 12 * H, T0 + 24 * H, 12, 12, 6, 12, [0.5, 1, 1]],
    [T0, T0 + 24 * H, T0 + 12 * H, T0 + 18 * H, 6, 6, 6, 12, [0.25, 0.5, 0.5]],
    [T0, T0 + 24 * H, T0 + 6 * H, T0 + 18 * H, 12, 6, 6, 12, [0.5, 0.5, 0.5]],
    [T0, T0 + 24 * H, T0 + 6 * H, T0 + 18 * H, 3, 1, 6, 12, [0, 0, 0]],
    [T0, T0 + 24 * H, T0, T0 + 24 * H, 12, 6, 6, 0, null],
    [T0, T0 + 24 * H, T0, T0 + 24 * H, 12, 6, 0, 12, null],
    [1, 0, 0, 1, 6, 12, 6, 12, null],
    [0, 1, 1, 0, 6, 12, 6, 12, null],
  ];
  for (const [a, b, c, d, bars, run, min, ideal, want] of rows) {
    const got = durationScore(a, b, c, d, bars, run, min, ideal);
    if (want === null) t.equal(got, null, 'invalid input: not scored');
    else {
      near(t as any, got?.coverage, want[0], 'coverage');
      near(t as any, got?.consistency, want[1], 'consistency');
      near(t as any, got?.score, want[2], 'score');
    }
  }
});

t.test('TestGetHistogramScore', async (t) => {
  const T0 = 1517338924;
  const simple = Array.from({ length: 10 }, (_v, i) => Array<number>(i + 1).fill(i + 1)).flat();
  const rows: { name: string; min: number; max: number; ts: number[]; minHours: number; bins: number; bars: number[]; score: number }[] = [
    { name: 'Simple Number List', min: 1, max: 11, ts: simple, minHours: 6, bins: 10, bars: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], score: 0.478 },
    {
      name: 'Regular Intervals',
      min: T0,
      max: T0 + 24 * 3600,
      ts: Array.from({ length: 24 }, (_v, i) => T0 + i * 3600),
      minHours: 11,
      bins: 24,
      bars: Array<number>(24).fill(1),
      score: 1,
    },
    {
      name: 'Closely-Valued Timestamps',
      min: 98,
      max: 102,
      ts: [98, 99, 99, 100, 100, 100, 101, 101, 102],
      minHours: 6,
      bins: 8,
      bars: [1, 0, 2, 0, 3, 0, 2, 1],
      score: 0.064,
    },
    {
      name: 'Bimodal Histogram',
      min: 0,
      max: 100,
      ts: [1, 2, 3, 4, 15, 21, 22, 23, 24, 35, 41, 42, 43, 44, 55, 61, 62, 63, 64, 75, 81, 82, 83, 84, 95],
      minHours: 6,
      bins: 10,
      bars: [4, 1, 4, 1, 4, 1, 4, 1, 4, 1],
      score: 1,
    },
    { name: 'Gaps and a Wraparound Run', min: 0, max: 250, ts: [10, 20, 100, 110, 110, 220], minHours: 6, bins: 5, bars: [2, 0, 3, 0, 1], score: 0.028 },
  ];
  for (const r of rows) {
    const got = histogramScore(r.min, r.max, r.ts, { sensitivity: 0.05, outliers: 1, minHours: r.minHours, bins: r.bins });
    t.same(got?.bars, r.bars, `${r.name}: bars`);
    near(t as any, got?.score, r.score, `${r.name}: score`);
  }
  t.same(histogramEdges(98, 102, 8), [98, 98.5, 99, 99.5, 100, 100.5, 101, 101.5, 102]);
  t.equal(histogramScore(1, 0, [1], { sensitivity: 0.05, outliers: 1, minHours: 6, bins: 10 }), null, 'an empty span: not scored');
});

t.test('TestCalculateCoefficientOfVariationScore', async (t) => {
  near(t as any, coefficientOfVariationScore([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 1, 'uniform');
  near(t as any, coefficientOfVariationScore([950, 970, 990, 1010, 1030, 1050, 1070]), 0.96, 'normal');
  near(t as any, coefficientOfVariationScore([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]), 0.9971406, 'CV < 1');
  near(t as any, coefficientOfVariationScore([1, 5, 10, 50, 100, 500, 1000, 5000, 10000]), 0, 'CV > 1');
});

// Seeded, so the jittered and random series are the same every run.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

t.test('synthetic series over a day: perfect > jittered > random', async (t) => {
  const start = 1_700_000_000;
  const end = start + 86400;
  const perfect = Array.from({ length: 288 }, (_v, i) => start + i * 300); // every 5 minutes
  const r = prng(42);
  const jittered = perfect.map((x) => x + Math.round((r() - 0.5) * 60)); // ±30 s
  const random = Array.from({ length: 288 }, () => start + Math.floor(r() * 86400)).sort((a, b) => a - b);
  const size = (n: number, f: () => number) => Array.from({ length: n }, f);
  const p = scoreBeacon(
    perfect,
    size(288, () => 512),
    start,
    end,
  )!;
  const j = scoreBeacon(
    jittered,
    size(288, () => 500 + Math.round(r() * 24)),
    start,
    end,
  )!;
  // Exponential sizes: skewed, as unrelated transfers are (uniform sizes would be symmetric, and score well on skew).
  const x = scoreBeacon(
    random,
    size(288, () => Math.round(-Math.log(1 - r()) * 5000)),
    start,
    end,
  )!;
  t.equal(p.score, 1, 'a perfect beacon scores 1');
  t.same([p.ts, p.ds, p.dur, p.hist], [1, 1, 1, 1]);
  t.ok(j.score > 0.8 && j.score < 1, `jittered scores high: ${j.score}`);
  t.ok(x.score < j.score - 0.1 && x.ts < 0.6 && x.ds! < 0.6, `random scores lower: ${x.score} (ts ${x.ts}, ds ${x.ds})`);
  t.equal(p.bars.length, BEACON_DEFAULTS.histogramBins);
  const noSizes = scoreBeacon(perfect, [], start, end)!;
  t.equal(noSizes.ds, null, 'no sizes: no data-size score');
  t.equal(noSizes.score, 1, 'and the other three weigh alone');
  t.equal(scoreBeacon(perfect.slice(0, 3), [], start, end), null, 'fewer than 4 connections: not scored');
});

t.test('timestampScore and dataSizeScore: as the statistics written plainly here, on any series', async (t) => {
  const median = (s: number[]): number => (s.length % 2 === 1 ? s[s.length >> 1]! : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2);
  const stats = (sorted: number[], fallback: number): number => {
    const n = sorted.length;
    const low = sorted.slice(0, Math.floor(n / 2));
    const high = sorted.slice(n % 2 === 0 ? n / 2 : Math.floor(n / 2) + 1);
    const [q1, q2, q3] = [median(low), median(sorted), median(high)];
    const skew = q3 - q1 >= 10 && q2 !== q1 && q2 !== q3 ? (q1 + q3 - 2 * q2) / (q3 - q1) : 0;
    const mad = median(sorted.map((x) => Math.abs(x - q2)).sort((a, b) => a - b));
    let madScore = q2 >= 1 ? (q2 - mad) / q2 : fallback;
    if (madScore < 0 || Number.isNaN(madScore)) madScore = 0;
    return Math.round(((1 - Math.abs(skew) + madScore) / 2) * 1000) / 1000;
  };
  const tsOracle = (ts: number[]): number | null => {
    if (ts.length < 4) return null;
    const s = [...ts].sort((a, b) => a - b);
    const d = s
      .slice(1)
      .map((x, i) => x - s[i]!)
      .filter((x) => x > 0)
      .sort((a, b) => a - b);
    return d.length < 3 ? null : stats(d, 1);
  };
  const series = fc.array(fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_700_090_000 }), fc.constantFrom(1_700_000_000, 1_700_000_060)), { maxLength: 60 });
  fc.assert(
    fc.property(
      series,
      (ts) => (timestampScore(ts)?.score ?? null) === tsOracle(ts) && (timestampScore(Float64Array.from(ts))?.score ?? null) === tsOracle(ts),
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }),
      (sizes) =>
        (dataSizeScore(sizes)?.score ?? null) ===
        (sizes.length < 3
          ? null
          : stats(
              [...sizes].sort((a, b) => a - b),
              0,
            )),
    ),
    { numRuns: 3000 },
  );
  t.pass('6000 series');
});

t.test('a series as distinct seconds with their connections scores as the series itself', async (t) => {
  const start = 1_700_000_000;
  fc.assert(
    fc.property(
      // Seconds over a day, many repeated; a size for every connection, or none.
      fc.array(
        fc.integer({ min: 0, max: 300 }).map((k) => start + k * 288),
        { minLength: 0, maxLength: 400 },
      ),
      fc.boolean(),
      (ts, sized) => {
        const seconds = new Map<number, number>();
        for (const s of ts) seconds.set(s, (seconds.get(s) ?? 0) + 1);
        const sizes = sized ? ts.map((s) => s % 97) : [];
        const end = start + 86_400;
        const plain = scoreBeacon(ts, sizes, start, end);
        const counted = scoreBeacon(Float64Array.from(seconds.keys()), sizes, start, end, BEACON_DEFAULTS, Int32Array.from(seconds.values()));
        if (plain === null || seconds.size < BEACON_DEFAULTS.minConnections) t.equal(counted, null);
        else t.same(counted, plain);
      },
    ),
    { numRuns: 300 },
  );
});

t.test("TestCalculateBucketedScore (analysis_test.go): RITA's long-connection score", async (t) => {
  // RITA's own cases: a base of zero, then every threshold of the long-connection defaults.
  near(t, bucketedScore(0, { base: 0, low: 5, medium: 10, high: 15 }), 0.2, 'value 0 at base 0');
  t.ok(bucketedScore(1, { base: 0, low: 5, medium: 10, high: 15 }) > 0, 'above a zero base: above zero');
  const { base, low, medium, high } = LONG_CONNECTION_THRESHOLDS;
  t.same([base, low, medium, high], [3600, 14400, 28800, 43200], "RITA's default thresholds");
  t.equal(bucketedScore(base - 1), 0, 'under the base');
  near(t, bucketedScore(base), 0.2, 'base');
  near(t, bucketedScore(low), 0.4, 'low');
  near(t, bucketedScore(low + (medium - low) / 2), 0.5, 'between low and medium');
  near(t, bucketedScore(medium), 0.6, 'medium');
  near(t, bucketedScore(medium + (high - medium) / 2), 0.7, 'between medium and high');
  near(t, bucketedScore(high), 0.8, 'high');
  near(t, bucketedScore(high * 2), 0.8, 'capped at high');
  near(t, bucketedScore(base + (low - base) / 4), 0.25, 'a quarter from base to low');
});
