// Enricher: an event in, the event with its tag, details and verdict out; also single-address lookups.
import { AddrParseError, parseAddrScratch } from '../net/index.js';
import type { Classifier } from '../lists/index.js';
import { AddressExtractor, type EventContext } from './context.js';
import { buildFailure, buildResult, tagOf, type Result } from './result.js';
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
  lookup(input: string): Result {
    const c = this.classifier.lookup(input);
    if (c instanceof AddrParseError) return buildFailure(c.code, c.message, EMPTY_CONTEXT, { input });
    return buildResult(c, this.rules.judge(c.set, EMPTY_CONTEXT), EMPTY_CONTEXT);
  }

  /** The result for an event: address, context, classification and verdict. Never throws. */
  judge(event: unknown): Result {
    const x = this.#extractor.extract(event);
    const ctx = x.context;
    if (x.value === undefined || x.value === null) return buildFailure('NO_ADDRESS', this.#noAddressMessage, ctx);
    if (typeof x.value !== 'string') {
      // Only the JSON type is said: echoing an arbitrary value (nested 100k deep) could not be serialised.
      return buildFailure('INVALID_ADDRESS', `${x.field} is ${jsonKind(x.value)}, not an address text`, ctx, { field: x.field! });
    }
    const addr = parseAddrScratch(x.value);
    if (addr instanceof AddrParseError) return buildFailure(addr.code, `${x.field}: ${addr.message}`, ctx, { input: x.value, field: x.field!, value: x.value });
    const c = this.classifier.classify(addr, x.value);
    return buildResult(c, this.rules.judge(c.set, ctx), ctx);
  }

  /** Adds the tag, the details and (with addTags) the tag in `tags` to the event object, in place. */
  enrich(event: Record<string, unknown>): Result {
    const d = this.judge(event);
    const tag = tagOf(d);
    const o = this.options;
    // ipdest's field is ipdest's answer: one the event arrived with goes when no list matched.
    if (tag === null) delete event[o.field];
    else {
      event[o.field] = tag;
      if (o.addTags) {
        const tags = event.tags;
        if (Array.isArray(tags)) {
          if (!tags.includes(tag)) tags.push(tag);
        } else if (tags === null || tags === undefined) event.tags = [tag];
        else event.tags = tags === tag ? [tags] : [tags, tag];
      }
    }
    if (o.detailsField !== null) event[o.detailsField] = d;
    return d;
  }
}
