// The lists layer: list formats, built-ins, loading from disk, and the classifier built from them.
export { BUILTIN_NAMES, resolveBuiltins } from './builtins.js';
export { Classifier, textOf } from './classifier.js';
export type { Classified, ClassifierList, Match, MatchSet, ThreatMatch } from './classifier.js';
export { FORMATS, OFFICIAL_SOURCES, parseList, parseM365Details } from './formats/index.js';
export { readCsv } from './formats/csv-rows.js';
export type { ListFormat, M365PrefixDetails, M365SetDetail, ParsedList } from './formats/index.js';
export {
  builtinLists,
  DEFAULT_MAX_AGE_MS,
  failedList,
  isStale,
  ListReadError,
  loadList,
  loadLists,
  readListFile,
  resolveListPath,
  LOAD_TIMEOUT_MS,
} from './load.js';
export type {
  DownloadRecord,
  DownloadStateReader,
  ListErrorInfo,
  ListOrigin,
  ListReader,
  ListSet,
  ListSource,
  LoadedList,
  LoadLimits,
  LoadOptions,
} from './load.js';
export { publishedOf } from './published.js';
export { decodeSnapshot, encodeSnapshot, readSnapshot, Snapshot, SnapshotError, SNAPSHOT_FILE, SNAPSHOT_LAYOUT } from './sources/snapshot.js';
export type { SnapshotList, SnapshotOrigin } from './sources/snapshot.js';
export { parseListOffThread, stopParseThread } from './parse-thread.js';
export { readinessOf } from './readiness.js';
export type { Readiness } from './readiness.js';
export { seconds, TimeLimitError, within } from './deadline.js';
export { OwnerRecord, OwnerTable, OwnerTableBuilder } from './owners.js';
export type { Owner, OwnerSource, OwnerSourceInfo } from './owners.js';
export { MmdbOwners } from './owner-mmdb.js';
export { bundledOwnerFiles, loadOwners } from './owner-load.js';
export type { LoadedOwners, OwnerSettings, OwnersInfo } from './owner-load.js';
export { HOSTING, hostingOf } from './hosting.js';
export type { Hosting, HostingRule, ProviderHosting } from './hosting.js';
export {
  DEFAULT_KEEP,
  DEFAULT_MAX_SHRINK,
  DEFAULT_RETRY,
  downloadRecords,
  download,
  DownloadError,
  HISTORY_DIR,
  KNOWN_SOURCES,
  MAX_GROWTH,
  planFor,
  proxyFor,
  readSourceState,
  rollbackList,
  RollbackError,
  serviceTagsLink,
  updateList,
  updateLists,
} from './sources/index.js';
export type {
  DownloadOptions,
  KnownSource,
  ProxySettings,
  RetryPolicy,
  RollbackOutcome,
  SourceState,
  UpdatableList,
  UpdateOptions,
  UpdateOutcome,
  UpdateState,
  UpdateSummary,
} from './sources/index.js';
