// The audit layer: aggregation of connection records, baseline, beacon scores, and the report's renderers.
export { Aggregator, newFileTally } from './aggregate.js';
export type { AggregatePart, AggregateView, AuditOptions, DestinationTally, FileTally, OnlyFilter, ThreatHit } from './aggregate.js';
export { PairTable, STROBE_CONNECTIONS } from './pairs.js';
export type { PackedPairs, PairSeries } from './pairs.js';
export { BaselineError, diffBaseline, makeBaseline, parseBaseline } from './baseline.js';
export type { Baseline, BaselineDiff, SeenSets } from './baseline.js';
export {
  BEACON_DEFAULTS,
  beaconScore,
  bucketedScore,
  bimodalFitScore,
  bowleySkewness,
  coefficientOfVariationScore,
  dataSizeScore,
  durationScore,
  frequencyCounts,
  histogram,
  histogramEdges,
  histogramScore,
  LONG_CONNECTION_THRESHOLDS,
  medianAbsoluteDeviation,
  quartiles,
  scoreBeacon,
  timestampScore,
} from './beacons.js';
export { baselineOf, buildReport } from './report.js';
export type { AuditReport, ReportBeacon, ReportDestination, ReportOptions } from './report.js';
export { renderCsv, CSV_COLUMNS } from './render-csv.js';
export { renderHtml } from './render-html.js';
export { renderText } from './render-text.js';

export { renderJson } from './render-json.js';
export { LiveAudit, LIVE_LIMITS, TopK } from './live.js';
export type { LiveLimits, LiveReport, SectionBound, Slot } from './live.js';
