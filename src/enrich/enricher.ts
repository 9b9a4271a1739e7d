// Enricher: an event in, the event with its tag, details and verdict out; also single-address lookups.
import { AddrParseError, parseAddrScratch } from '../net/index.js';
import type { Classifier, LookupFailure, LookupResult } from '../lists/index.js';
import { AddressExtractor, type EventContext } from './context.js';
import { Rules } from './rules.js';

export interface EnrichOptions {
  readonly addressFields: readonly string[];
  /** Where the tag goes in the event. */
  readonly field: string;
  /** Where the whole result goes (null: not added). */
  readonly detailsField: string | null;
  /** Also append the tag to the event's `tags` array. */
  readonly addTags: boolean;
}

/** An event's failure to classify: the address error, plus the field and value it came from. */
export interface EventFailure {
  input?: string;
  error: { code: 'INVALID_ADDRESS' | 'NO_ADDRESS'; message: string; field?: string; value?: string };
  action: 'keep';
}

export type EventDetails = (LookupResult | EventFailure) & EventContext;

export function isFailure(d: EventDetails | LookupResult | LookupFailure): d is EventFailure {
  return 'error' in d;
}

/** What a result is counted under: its label, or its error code. */
export function labelOf(d: EventDetails | LookupResult | LookupFailure): string {
  return 'error' in d ? d.error.code : d.label;
}

function addContext(d: EventDetails, c: EventContext): void {
  if (c.direction !== undefined) d.direction = c.direction;
  if (c.port !== undefined) d.port = c.port;
  if (c.protocol !== undefined) d.protocol = c.protocol;
  if (c.service !== undefined) d.service = c.service;
  if (c.process !== undefined) d.process = c.process;
}

const EMPTY_CONTEXT: EventContext = Object.freeze({});

/** What a JSON value is, for messages: "an array", "null", "a string", … */
export function jsonKind(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Built once per list set: the classifier is immutable, so a reload builds a new Enricher
 * (`withClassifier`) and swaps one reference; rules and field paths are compiled once and shared.
 */
export class Enricher {
  readonly classifier: Classifier;
  readonly options: EnrichOptions;
  readonly rules: Rules;
  readonly #extractor: AddressExtractor;
  readonly #noAddressMessage: string;

  constructor(classifier: Classifier, options: EnrichOptions, rules: Rules = new Rules(), extractor?: AddressExtractor) {
    this.classifier = classifier;
    this.options = options;
    this.rules = rules;
    this.#extractor = extractor ?? new AddressExtractor(options.addressFields);
    this.#noAddressMessage = `the event has none of the address fields (${options.addressFields.join(', ')}) and no netfilter line in message`;
  }

  withClassifier(classifier: Classifier): Enricher {
    return new Enricher(classifier, this.options, this.rules, this.#extractor);
  }

  /** One address, judged by the rules without event context (no port, image or direction). */
  lookup(input: string): LookupResult | LookupFailure {
    const r = this.classifier.lookup(input);
    if (!('error' in r)) this.rules.apply(r, EMPTY_CONTEXT);
    return r;
  }

  /** The details of an event: address, context, classification and verdict. Never throws. */
  judge(event: unknown): EventDetails {
    const x = this.#extractor.extract(event);
    let d: EventDetails;
    if (x.value === undefined || x.value === null) {
      d = { error: { code: 'NO_ADDRESS', message: this.#noAddressMessage }, action: 'keep' };
    } else if (typeof x.value !== 'string') {
      // Only the JSON type is said: echoing an arbitrary value (nested 100k deep) could not be serialised.
      d = { error: { code: 'INVALID_ADDRESS', message: `${x.field} is ${jsonKind(x.value)}, not an address text`, field: x.field! }, action: 'keep' };
    } else {
      const addr = parseAddrScratch(x.value);
      if (addr instanceof AddrParseError) {
        d = { input: x.value, error: { code: addr.code, message: `${x.field}: ${addr.message}`, field: x.field!, value: x.value }, action: 'keep' };
      } else {
        const r: EventDetails = this.classifier.resultOf(addr, x.value);
        this.rules.apply(r as LookupResult, x.context);
        d = r;
      }
    }
    addContext(d, x.context);
    return d;
  }

  /** Adds the tag, the details and (with addTags) the tag in `tags` to the event, in place. */
  enrich(event: Record<string, unknown>): EventDetails {
    const d = this.judge(event);
    const tag = isFailure(d) ? null : d.IPDestination;
    const o = this.options;
    // ipdest's field is ipdest's answer: one the event arrived with goes when no list matched.
    if (tag === null) delete event[o.field];
    else {
      event[o.field] = tag;
      if (o.addTags) {
        const tags = event.tags;
        if (Array.isArray(tags)) { if (!tags.includes(tag)) tags.push(tag); }
        else if (typeof tags === 'string') event.tags = tags === tag ? [tags] : [tags, tag];
        else event.tags = [tag];
      }
    }
    if (o.detailsField !== null) event[o.detailsField] = d;
    return d;
  }
}
