// The lists layer: list formats, built-ins, loading from disk, and the classifier built from them.
export { BUILTIN_NAMES, resolveBuiltins } from './builtins.js';
export { Classifier, textOf } from './classifier.js';
export type { Classified, Match, MatchSet } from './classifier.js';
export { FORMATS, parseList } from './formats/index.js';
export { readCsv } from './formats/csv-rows.js';
export type { ListFormat, ParsedList } from './formats/index.js';
export { builtinLists, failedList, ListReadError, loadList, loadLists, readListFile, resolveListPath, LOAD_TIMEOUT_MS } from './load.js';
export type { ListErrorInfo, ListReader, ListSet, ListSource, LoadedList, LoadLimits } from './load.js';
export { parseListOffThread, stopParseThread } from './parse-thread.js';
export { readinessOf } from './readiness.js';
export type { Readiness } from './readiness.js';
export { seconds, TimeLimitError, within } from './deadline.js';
export {
  DEFAULT_KEEP,
  DEFAULT_MAX_SHRINK,
  DEFAULT_RETRY,
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
