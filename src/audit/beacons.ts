// Beacon scores as RITA v5 defines them (activecm/rita analysis/beacons.go): timestamp, data size, histogram and duration sub-scores and their weighted sum; and its long-connection score.
//
// Written from RITA's definitions and its default_config.hjson, not from its code (RITA is GPL):
// the same statistics (Bowley skewness over exclusive quartiles, the median absolute deviation,
// a 24-bin histogram over the dataset's span, its coefficient of variation and bimodal fit, the
// coverage and consistency of the hours seen), the same roundings (to 3 decimals; ceilings where
// RITA takes them) and the same thresholds.

/** RITA's defaults (default_config.hjson, `scoring.beacon`). */
export const BEACON_DEFAULTS = {
  /** Pairs with fewer connections are not scored (`unique_connection_threshold`). */
  minConnections: 4,
  tsWeight: 0.25,
  dsWeight: 0.25,
  durWeight: 0.25,
  histWeight: 0.25,
  durationMinHoursSeen: 6,
  durationConsistencyIdealHoursSeen: 12,
  histogramModeSensitivity: 0.05,
  histogramBimodalOutlierRemoval: 1,
  histogramBimodalMinHoursSeen: 11,
  /** RITA's histogram spans the dataset in this many bins (a day of hours). */
  histogramBins: 24,
} as const;

/** A pair's timestamps or sizes: an array, or a view of the aggregation's columns. */
export type Series = ArrayLike<number> & Iterable<number>;

/** RITA's rounding of every score: to 3 decimals. */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const ceil3 = (x: number): number => Math.ceil(x * 1000) / 1000;

/** The median of sorted[from, to) (the mean of the middle two for an even count); NaN when empty. */
function median(sorted: ArrayLike<number>, from = 0, to = sorted.length): number {
  const n = to - from;
  if (n === 0) return NaN;
  const mid = from + (n >> 1);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Quartiles by the exclusive method: Q1 and Q3 are the medians of the halves below and above the
 * median, the median itself left out of both for an odd count (montanaflynn/stats, which RITA uses).
 */
export function quartiles(sorted: ArrayLike<number>): { q1: number; q2: number; q3: number } {
  const n = sorted.length;
  const lowEnd = n % 2 === 0 ? n / 2 : (n - 1) / 2;
  const highStart = n % 2 === 0 ? n / 2 : lowEnd + 1;
  return { q1: median(sorted, 0, lowEnd), q2: median(sorted), q3: median(sorted, highStart, n) };
}

/**
 * Bowley skewness (Q1 + Q3 − 2·Q2) / (Q3 − Q1), taken as 0 when the spread is under 10 or the
 * median sits on a quartile (RITA's guard against tiny, noisy spreads); its score is 1 − |skew|.
 */
export function bowleySkewness(sorted: ArrayLike<number>): { skew: number; score: number } {
  const { q1, q2, q3 } = quartiles(sorted);
  const den = q3 - q1;
  const skew = den >= 10 && q2 !== q1 && q2 !== q3 ? (q1 + q3 - 2 * q2) / den : 0;
  return { skew, score: 1 - Math.abs(skew) };
}

/** The median absolute deviation; its score (median − MAD) / median, `fallback` when the median is under 1. */
export function medianAbsoluteDeviation(sorted: ArrayLike<number>, fallback: number): { mad: number; score: number } {
  const m = median(sorted);
  const deviations = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) deviations[i] = Math.abs(sorted[i]! - m);
  const mad = median(deviations.sort());
  let score = m >= 1 ? (m - mad) / m : fallback;
  if (score < 0 || Number.isNaN(score)) score = 0;
  return { mad, score };
}

function statisticalScore(sorted: ArrayLike<number>, madFallback: number): { score: number; skew: number; mad: number } {
  const s = bowleySkewness(sorted);
  const d = medianAbsoluteDeviation(sorted, madFallback);
  return { score: round3((s.score + d.score) / 2), skew: s.skew, mad: d.mad };
}

/**
 * The timestamp score: the regularity of the intervals between connections. Needs at least 4
 * timestamps and 3 non-zero intervals (null otherwise); zero intervals (connections in the same
 * second) are left out of the statistics. A MAD with a median interval under 1 s scores 1.
 */
export function timestampScore(ts: Series): { score: number; skew: number; mad: number } | null {
  if (ts.length < 4) return null;
  // Typed arrays sort numerically without a comparator: several times faster, the same order.
  const sorted = Float64Array.from(ts).sort();
  const deltas = new Float64Array(sorted.length - 1);
  for (let i = 0; i + 1 < sorted.length; i++) deltas[i] = sorted[i + 1]! - sorted[i]!;
  deltas.sort();
  let zeros = 0;
  while (zeros < deltas.length && deltas[zeros]! <= 0) zeros++;
  const nonZero = deltas.subarray(zeros);
  if (nonZero.length < 3) return null;
  return statisticalScore(nonZero, 1);
}

/** The data-size score: how alike the connections' sizes are. Needs at least 3 sizes (null otherwise). */
export function dataSizeScore(sizes: Series): { score: number; skew: number; mad: number } | null {
  if (sizes.length < 3) return null;
  return statisticalScore(Float64Array.from(sizes).sort(), 0);
}

/** `bins` equal bins from `start` to `end`, as bin edges (the last edge is `end` itself). */
export function histogramEdges(start: number, end: number, bins: number): number[] {
  const step = (end - start) / bins;
  const edges = [start];
  for (let i = 1; i < bins; i++) edges.push(start + i * step);
  edges.push(end);
  return edges;
}

/**
 * Connections per bin; a timestamp on the last edge falls in the last bin. `counts[i]`, where
 * given, is how many connections `ts[i]` stands for (the aggregation keeps each second once).
 */
export function histogram(edges: readonly number[], ts: Series, counts?: ArrayLike<number>): number[] {
  const last = edges.length - 2;
  const bins = new Array<number>(last + 1).fill(0);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    // The bin: how many inner edges are at or below t.
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t >= edges[mid]!) lo = mid;
      else hi = mid - 1;
    }
    bins[lo]! += counts === undefined ? 1 : counts[i]!;
  }
  return bins;
}

/**
 * How many bars of each height (heights grouped in buckets of ceil(max · sensitivity)), how many
 * bars are non-empty, and the longest run of non-empty bars, wrapping around from the end to the start.
 */
export function frequencyCounts(bars: readonly number[], sensitivity: number): { freq: Map<number, number>; totalBars: number; longestRun: number } {
  let totalBars = 0;
  let largest = 0;
  for (const b of bars) {
    if (b > 0) totalBars++;
    if (b > largest) largest = b;
  }
  const bucket = Math.ceil(largest * sensitivity);
  const freq = new Map<number, number>();
  for (const b of bars) {
    if (b > 0) {
      const k = Math.floor(b / bucket) * bucket;
      freq.set(k, (freq.get(k) ?? 0) + 1);
    }
  }
  let longestRun = 0;
  let run = 0;
  for (let i = 0; i < bars.length * 2; i++) {
    if (bars[i % bars.length]! > 0) run++;
    else {
      longestRun = Math.max(longestRun, run);
      run = 0;
    }
  }
  longestRun = Math.min(Math.max(longestRun, run), bars.length);
  return { freq, totalBars, longestRun };
}

/** 1 − the coefficient of variation of the bars (0 when it exceeds 1): flat histograms score high. */
export function coefficientOfVariationScore(bars: readonly number[]): number {
  const total = bars.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  const mean = total / bars.length;
  const sd = Math.sqrt(bars.reduce((a, b) => a + (b - mean) ** 2, 0) / bars.length);
  const cv = sd / Math.abs(mean);
  return cv > 1 ? 0 : Math.min(1, round3(1 - cv));
}

/**
 * The share of non-empty bars in the two most common height buckets (after dropping `outliers`
 * bars), scored only with at least `minHours` non-empty bars (a `minHours` under 6 means 11, as RITA).
 */
export function bimodalFitScore(freq: ReadonlyMap<number, number>, totalBars: number, outliers: number, minHours: number): number {
  if (minHours < 6) minHours = 11;
  if (totalBars < minHours) return 0;
  let largest = 0;
  let second = 0;
  // Map order is insertion order; the top two counts do not depend on it.
  for (const v of freq.values()) {
    if (v > largest) {
      second = largest;
      largest = v;
    } else if (v > second) second = v;
  }
  return Math.min(1, round3((largest + second) / Math.max(totalBars - outliers, 1)));
}

export interface HistogramScore {
  readonly bars: number[];
  readonly totalBars: number;
  readonly longestRun: number;
  readonly score: number;
}

/** The histogram score over the dataset's span: the better of the flatness and the bimodal fit. */
export function histogramScore(
  datasetMin: number,
  datasetMax: number,
  ts: Series,
  o: { sensitivity: number; outliers: number; minHours: number; bins: number },
  counts?: ArrayLike<number>,
): HistogramScore | null {
  if (ts.length === 0 || datasetMax <= datasetMin || o.bins <= 0) return null;
  const bars = histogram(histogramEdges(datasetMin, datasetMax, o.bins), ts, counts);
  const f = frequencyCounts(bars, o.sensitivity);
  const score = Math.max(coefficientOfVariationScore(bars), bimodalFitScore(f.freq, f.totalBars, o.outliers, o.minHours));
  return { bars, totalBars: f.totalBars, longestRun: f.longestRun, score };
}

/**
 * The duration score: with at least `minHours` non-empty bars, the better of the coverage (the
 * pair's first-to-last span over the dataset's) and the consistency (the longest run of hours over
 * `idealHours`), each rounded up to 3 decimals and capped at 1; 0 with fewer bars. Null for invalid input.
 */
export function durationScore(
  datasetMin: number,
  datasetMax: number,
  first: number,
  last: number,
  totalBars: number,
  longestRun: number,
  minHours: number,
  idealHours: number,
): { coverage: number; consistency: number; score: number } | null {
  if (minHours < 1 || idealHours < 1 || datasetMax <= datasetMin || last <= first) return null;
  if (totalBars < minHours) return { coverage: 0, consistency: 0, score: 0 };
  const coverage = Math.min(1, ceil3((last - first) / (datasetMax - datasetMin)));
  const consistency = Math.min(1, ceil3(longestRun / idealHours));
  return { coverage, consistency, score: Math.max(coverage, consistency) };
}

/** The weighted sum of the sub-scores, rounded to 3 decimals. */
export function beaconScore(
  ts: number,
  tsWeight: number,
  ds: number,
  dsWeight: number,
  dur: number,
  durWeight: number,
  hist: number,
  histWeight: number,
): number {
  return round3(ts * tsWeight + ds * dsWeight + dur * durWeight + hist * histWeight);
}

export interface BeaconScores {
  readonly score: number;
  readonly ts: number;
  /** Null when the pair's records carry no sizes (Sysmon, netfilter): the score then weighs the other three. */
  readonly ds: number | null;
  readonly dur: number;
  readonly hist: number;
  readonly bars: readonly number[];
}

/**
 * The four sub-scores and the score of one pair, over the dataset's span [datasetMin, datasetMax]
 * in epoch seconds; null where RITA scores nothing (too few distinct seconds or intervals, a span
 * of 0). `counts[i]`, where given, is how many connections `ts[i]` stands for: the timestamp score
 * drops zero intervals, so it reads each second once, and the histogram counts connections.
 * Without sizes the score is the weighted mean of the other three (RITA always has Zeek's sizes;
 * ipdest's other inputs have none, and a size score of a list of zeros would be made up).
 */
export function scoreBeacon(
  ts: Series,
  sizes: Series,
  datasetMin: number,
  datasetMax: number,
  o = BEACON_DEFAULTS,
  counts?: ArrayLike<number>,
): BeaconScores | null {
  // RITA's threshold counts unique timestamps (`ts_unique`); zero intervals are dropped below anyway.
  if (ts.length < o.minConnections) return null;
  const t = timestampScore(ts);
  if (t === null) return null;
  const h = histogramScore(
    datasetMin,
    datasetMax,
    ts,
    {
      sensitivity: o.histogramModeSensitivity,
      outliers: o.histogramBimodalOutlierRemoval,
      minHours: o.histogramBimodalMinHoursSeen,
      bins: o.histogramBins,
    },
    counts,
  );
  if (h === null) return null;
  // A loop, not Math.min(...ts): a spread of 86,400 arguments is near the engine's stack limit.
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const x = ts[i]!;
    if (x < first) first = x;
    if (x > last) last = x;
  }
  const d = durationScore(datasetMin, datasetMax, first, last, h.totalBars, h.longestRun, o.durationMinHoursSeen, o.durationConsistencyIdealHoursSeen);
  if (d === null) return null;
  let connections = ts.length;
  if (counts !== undefined) {
    connections = 0;
    for (let i = 0; i < counts.length; i++) connections += counts[i]!;
  }
  const ds = sizes.length === connections ? dataSizeScore(sizes) : null;
  let score: number;
  if (ds !== null) score = beaconScore(t.score, o.tsWeight, ds.score, o.dsWeight, d.score, o.durWeight, h.score, o.histWeight);
  else {
    const w = o.tsWeight + o.durWeight + o.histWeight;
    score = round3((t.score * o.tsWeight + d.score * o.durWeight + h.score * o.histWeight) / w);
  }
  return { score, ts: t.score, ds: ds?.score ?? null, dur: d.score, hist: h.score, bars: h.bars };
}

/**
 * RITA's long-connection thresholds (default_config.hjson, `long_connection_score_thresholds`):
 * a pair's summed connection durations, in seconds, from which it is a long connection (base, 1 h)
 * and where its score reaches the low (4 h), medium (8 h) and high (12 h) categories.
 */
export const LONG_CONNECTION_THRESHOLDS = { base: 3600, low: 14400, medium: 28800, high: 43200 } as const;

/** RITA's category scores (config.go): none, low, medium, high. */
const CATEGORY_SCORES = [0.2, 0.4, 0.6, 0.8] as const;

/**
 * RITA's bucketed score (`calculateBucketedScore`): 0 under `base`, then interpolated from the none
 * category's score at `base` to low's at `low`, medium's at `medium` and high's at `high`, capped there.
 */
export function bucketedScore(value: number, t: { base: number; low: number; medium: number; high: number } = LONG_CONNECTION_THRESHOLDS): number {
  const [none, low, medium, high] = CATEGORY_SCORES.map((x) => x * 100) as [number, number, number, number];
  let score: number;
  if (value < t.base) return 0;
  if (value < t.low) score = none + ((value - t.base) / (t.low - t.base)) * (low - none);
  else if (value < t.medium) score = low + ((value - t.low) / (t.medium - t.low)) * (medium - low);
  else score = medium + ((Math.min(value, t.high) - t.medium) / (t.high - t.medium)) * (high - medium);
  return score / 100;
}
