// The net layer: addresses, prefixes, the longest-prefix-match table and special-purpose scopes.
export { Addr, AddrParseError, addrFrom4, addrFrom6, formatV4, formatV6, isAddrParseError, mustParseAddr, parseAddr, parseAddrScratch } from './addr.js';
export type { AddrWords, ScratchAddr } from './addr.js';
export { Prefix, PrefixParseError, maskAddr, mustParsePrefix, parsePrefix, parsePrefixLoose, prefixFrom } from './prefix.js';
export type { LooseParse } from './prefix.js';
export { PrefixTable } from './trie.js';
export { runSteps, runStepsAsync } from './steps.js';
export { SCOPES, SPECIAL_PURPOSE, isExternal, scopeOf } from './scope.js';
export type { Scope } from './scope.js';
