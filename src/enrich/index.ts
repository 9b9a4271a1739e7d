// The enrich layer: event shapes, address extraction, netfilter lines, services, rules and the Enricher.
export { AddressExtractor, isUnresolvedReference, toPort, toProtocol } from './context.js';
export type { Direction, EventContext, Extracted } from './context.js';
export { Enricher, isFailure, jsonKind, labelOf } from './enricher.js';
export type { EnrichOptions, EventDetails, EventFailure } from './enricher.js';
export { FieldPath } from './fields.js';
export { arrayElementSpans } from './json-text.js';
export { enrichLine, enrichToText, invalidEventRecord, isPlainObject } from './lines.js';
export { detailsJson } from './serialize.js';
export type { LineOptions, LineOutcome } from './lines.js';
export { parseNetfilter } from './netfilter.js';
export type { NetfilterFields } from './netfilter.js';
export { Rules, globMatcher } from './rules.js';
export type { RuleSpec, Verdict } from './rules.js';
export { SERVICE_FAMILIES, serviceOf } from './services.js';
