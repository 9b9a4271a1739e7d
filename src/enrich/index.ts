// The enrich layer: event shapes, address extraction, netfilter lines, services, rules and the Enricher.
export { AddressExtractor, isUnresolvedReference, toPort, toProtocol } from './context.js';
export type { Direction, EventContext, Extracted } from './context.js';
export { Enricher, jsonKind } from './enricher.js';
export type { EnrichOptions } from './enricher.js';
export { buildFailure, buildResult, isFailure, labelOf, tagOf } from './result.js';
export type { FailureCode, LookupFailure, LookupResult, Result } from './result.js';
export { FieldPath } from './fields.js';
export { arrayElementSpans } from './json-text.js';
export { enrichLine, enrichToText, invalidEventRecord, isPlainObject } from './lines.js';
export { resultJson } from './serialize.js';
export type { LineOptions, LineOutcome } from './lines.js';
export { parseNetfilter } from './netfilter.js';
export type { NetfilterFields } from './netfilter.js';
export { Rules, globMatcher } from './rules.js';
export type { RuleSpec, Verdict } from './rules.js';
export { SERVICE_FAMILIES, serviceOf } from './services.js';
