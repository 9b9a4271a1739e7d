// The net layer: addresses, prefixes, the longest-prefix-match table and special-purpose scopes.
export { Addr, AddrParseError, addrFrom4, addrFrom6, formatV4, formatV6, mustParseAddr, parseAddr, parseAddrScratch, parseV4 } from './addr.js';
export type { ScratchAddr } from './addr.js';
export { Prefix, PrefixParseError, mustParsePrefix, parsePrefix, parsePrefixLoose, prefixFrom } from './prefix.js';
export { PrefixTable } from './trie.js';
export type { PackedPrefixes } from './trie.js';
export { AddrRangeError, rangeCover, rangeToPrefixes } from './range.js';
export type { CoverSink } from './range.js';
export { IntervalError, IntervalTable, buildIntervalTable } from './intervals.js';
export type { IntervalRange } from './intervals.js';
export { runSteps, runStepsAsync } from './steps.js';
export { SCOPES, SPECIAL_PURPOSE, scopeOf } from './scope.js';
export type { Scope } from './scope.js';
