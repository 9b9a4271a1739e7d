// The lists layer: list formats, built-ins, loading from disk, and the classifier built from them.
export { BUILTIN_LISTS, BUILTIN_NAMES, resolveBuiltins } from './builtins.js';
export type { BuiltinList, BuiltinSettings } from './builtins.js';
export { Classifier } from './classifier.js';
export type { Classified, ClassifierList, Match, MatchSet } from './classifier.js';
export { FORMATS, parseList } from './formats/index.js';
export { readCsv } from './formats/csv-rows.js';
export type { CsvRow } from './formats/csv-rows.js';
export type { ListEntry, ListFormat, ParsedList } from './formats/index.js';
export { builtinLists, failedList, ListReadError, loadList, loadLists, readListFile, resolveListPath, LOAD_TIMEOUT_MS, MAX_LIST_BYTES, READ_TIMEOUT_MS } from './load.js';
export type { ListErrorInfo, ListReader, ListSet, ListSource, ListState, LoadedList, LoadLimits, LoadOptions } from './load.js';
export { parseListOffThread, stopParseThread, PARSE_TIMEOUT_MS } from './parse-thread.js';
export type { OffThreadOptions } from './parse-thread.js';
export { readinessOf } from './readiness.js';
export type { Readiness, ReadinessStatus } from './readiness.js';
export { seconds, TimeLimitError, within } from './deadline.js';
