// The lists layer: list formats, built-ins, loading from disk, and the classifier built from them.
export { BUILTIN_LISTS, BUILTIN_NAMES, resolveBuiltins } from './builtins.js';
export type { BuiltinList, BuiltinSettings } from './builtins.js';
export { Classifier } from './classifier.js';
export type { Classified, ClassifierList, Match, MatchSet } from './classifier.js';
export { FORMATS, parseList } from './formats/index.js';
export type { ListEntry, ListFormat, ParsedList } from './formats/index.js';
export { loadList, loadLists, resolveListPath } from './load.js';
export { parseListOffThread, stopParseThread } from './parse-thread.js';
export type { ListErrorInfo, ListSet, ListSource, ListState, LoadedList } from './load.js';
