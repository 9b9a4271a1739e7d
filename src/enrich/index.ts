// The enrich layer: event shapes, address extraction, netfilter lines, services, rules and the Enricher.
export type { EventContext } from './context.js';
export { Enricher, jsonKind } from './enricher.js';
export type { CountAnswer, EnrichOptions, JudgedText } from './enricher.js';
export { AnswerCache, DEFAULT_ANSWER_CACHE_ENTRIES, DEFAULT_ANSWER_CACHE_MAX_ANSWER, DEFAULT_ANSWER_CACHE_MAX_INPUT } from './answer-cache.js';
export type { AnswerCacheOptions, CachedAnswer } from './answer-cache.js';
export { buildFailure, buildResult, isFailure, labelOf, tagOf } from './result.js';
export type { LookupFailure, LookupResult, Result } from './result.js';
export { FieldPath } from './fields.js';
export { arrayElementSpans } from './json-text.js';
export { enrichLine, enrichToText, invalidEventRecord, isPlainObject } from './lines.js';
export { resultJson } from './serialize.js';
export { parseNetfilter } from './netfilter.js';
export { Rules, globMatcher } from './rules.js';
export type { RuleSpec } from './rules.js';
