// Enricher: an event in, the event with its tag, details and verdict out; also single-address lookups.
import { AddrParseError, parseAddrScratch, type ScratchAddr } from '../net/index.js';
import { textOf, type Classifier, type MatchSet, type OwnerRecord, type OwnerSource } from '../lists/index.js';
import { AnswerCache, type AnswerCacheOptions } from './answer-cache.js';
import { AddressExtractor, type EventContext, type Extracted } from './context.js';
import { buildFailure, buildResult, type LookupFailure, type Result } from './result.js';
import { Rules } from './rules.js';
import { VERSION_MAPPED, contextText, jsonString, setFragment, verdictText } from './serialize.js';

export interface EnrichOptions {
  readonly addressFields: readonly string[];
  /** Where the tag goes in the event. */
  readonly field: string;
  /** Where the whole result goes (null: not added). */
  readonly detailsField: string | null;
  /** Also append the tag to the event's `tags` array. */
  readonly addTags: boolean;
  /** The answer cache of `lookupMany` (default: DEFAULT_ANSWER_CACHE_ENTRIES entries). */
  readonly answerCache?: AnswerCacheOptions;
}

/** Told what each answer is counted under: its label, or its error code (`failed`). */
export type CountAnswer = (label: string, failed: boolean, threat: boolean) => void;

/** A judged event: the result, and its JSON text (what resultJson gives, from prebuilt fragments). */
export interface JudgedText {
  readonly result: Result;
  readonly json: string;
}

const EMPTY_CONTEXT: EventContext = Object.freeze({});

function isEmptyContext(c: EventContext): boolean {
  return c.direction === undefined && c.port === undefined && c.protocol === undefined && c.service === undefined && c.process === undefined;
}

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
  /**
   * By match set id: the set's fragment (setFragment), and everything after `mapped` of a lookup
   * without event context (there a verdict depends only on the set), closing brace included. Each
   * is made the first time its set answers, then kept for this Enricher's life: making all of
   * them with the Enricher took 235 ms and 57 MiB on the real lists (64k sets, the Azure ones
   * with long service lists), most of them for prefixes never seen.
   */
  readonly #fragments: Array<string | undefined>;
  readonly #tails: Array<string | undefined>;
  /** By match set id: the tail after the owner (the context-free verdict and the closing brace). */
  readonly #verdictTails: Array<string | undefined>;
  #cache: AnswerCache | null = null;

  /** Who holds each global address (null: no owner layer, results carry no `owner`). */
  readonly owners: OwnerSource | null;

  constructor(classifier: Classifier, options: EnrichOptions, rules: Rules = new Rules(), extractor?: AddressExtractor, owners: OwnerSource | null = null) {
    this.classifier = classifier;
    this.owners = owners;
    this.options = options;
    this.rules = rules;
    this.#extractor = extractor ?? new AddressExtractor(options.addressFields);
    this.#noAddressMessage = `the event has none of the address fields (${options.addressFields.join(', ')}) and no netfilter line in message`;
    this.#fragments = new Array<string | undefined>(classifier.matchSets.length);
    this.#tails = new Array<string | undefined>(classifier.matchSets.length);
    this.#verdictTails = new Array<string | undefined>(classifier.matchSets.length);
  }

  #fragment(set: MatchSet): string {
    return (this.#fragments[set.id] ??= setFragment(set));
  }

  #tail(set: MatchSet): string {
    return (this.#tails[set.id] ??= this.#fragment(set) + verdictText(this.rules.judge(set, EMPTY_CONTEXT)) + '}');
  }

  #verdictTail(set: MatchSet): string {
    return (this.#verdictTails[set.id] ??= verdictText(this.rules.judge(set, EMPTY_CONTEXT)) + '}');
  }

  /** The verdict's text after an owner: per set, unless a rule reads the owner (then per address). */
  #ownedVerdictTail(set: MatchSet, owner: OwnerRecord): string {
    return this.rules.usesOwner ? verdictText(this.rules.judge(set, EMPTY_CONTEXT, owner.owner)) + '}' : this.#verdictTail(set);
  }

  /** The owner of a global address; none for the rest (the contract gives owners to global addresses only). */
  #ownerOf(addr: ScratchAddr, set: MatchSet): OwnerRecord | undefined {
    return set.external && this.owners !== null ? this.owners.find(addr) : undefined;
  }

  withClassifier(classifier: Classifier): Enricher {
    return new Enricher(classifier, this.options, this.rules, this.#extractor, this.owners);
  }

  /** One address, judged by the rules without event context (no port, image or direction). */
  lookup(input: string): Result {
    const addr = parseAddrScratch(input);
    if (addr instanceof AddrParseError) return buildFailure(addr.code, addr.message, EMPTY_CONTEXT, { input });
    // The scratch record is read before anything else parses: classify and the owner read it at once.
    const c = this.classifier.classify(addr, input);
    const owner = this.#ownerOf(addr, c.set)?.owner;
    return buildResult(c, this.rules.judge(c.set, EMPTY_CONTEXT, owner), EMPTY_CONTEXT, owner);
  }

  /**
   * JSON.stringify(lookup(input)), written from the prebuilt tail of its match set: only `input`,
   * `ip`, `version` and `mapped` are made per call.
   */
  lookupJson(input: string, count?: CountAnswer): string {
    const addr = parseAddrScratch(input);
    if (addr instanceof AddrParseError) {
      count?.(addr.code, true, false);
      return JSON.stringify(buildFailure(addr.code, addr.message, EMPTY_CONTEXT, { input }));
    }
    // The scratch record is read before anything else parses.
    const set = this.classifier.matchSetOf(addr);
    const owner = this.#ownerOf(addr, set);
    const vm = addr.version === 6 ? VERSION_MAPPED.v6 : addr.mapped ? VERSION_MAPPED.v4mapped : VERSION_MAPPED.v4;
    const head = '{"input":' + jsonString(input) + ',"ip":"' + textOf(addr) + vm;
    const json = owner === undefined ? head + this.#tail(set) : head + this.#fragment(set) + owner.json + this.#ownedVerdictTail(set, owner);
    count?.(set.label, false, set.threat.length > 0);
    return json;
  }

  /**
   * lookupJson of each input, in order. Repeated inputs are answered from this Enricher's answer
   * cache (`cache: false` skips it); the cache dies with the Enricher, so a reload never serves
   * an answer from the lists before.
   */
  lookupMany(inputs: readonly string[], count?: CountAnswer, opts: { cache?: boolean } = {}): string[] {
    const out = new Array<string>(inputs.length);
    if (opts.cache === false || this.answerCache.capacity === 0) {
      // (The cache also steps aside by itself where inputs barely repeat: AnswerCache.useful.)
      for (let i = 0; i < inputs.length; i++) out[i] = this.lookupJson(inputs[i]!, count);
    } else {
      for (let i = 0; i < inputs.length; i++) out[i] = this.lookupCached(inputs[i]!, count);
    }
    return out;
  }

  /** lookupJson through the answer cache: for a stream of addresses that repeat (the CLI's stdin). */
  lookupCached(input: string, count?: CountAnswer): string {
    const cache = this.answerCache;
    if (!cache.useful()) return this.lookupJson(input, count);
    const hit = cache.get(input);
    if (hit !== undefined) {
      count?.(hit.label, hit.failed, hit.threat);
      return hit.json;
    }
    const json = this.lookupJson(input, this.#keep);
    cache.set(input, { json, label: this.#kept.label, failed: this.#kept.failed, threat: this.#kept.threat });
    count?.(this.#kept.label, this.#kept.failed, this.#kept.threat);
    return json;
  }

  // What lookupJson last counted, for lookupCached (one closure per Enricher, not per call).
  readonly #kept = { label: '', failed: false, threat: false };
  readonly #keep: CountAnswer = (label, failed, threat) => {
    this.#kept.label = label;
    this.#kept.failed = failed;
    this.#kept.threat = threat;
  };

  /** The answer cache of lookupMany (made on first use). */
  get answerCache(): AnswerCache {
    return (this.#cache ??= new AnswerCache(this.options.answerCache));
  }

  /** The result for an event: address, context, classification and verdict. Never throws. */
  judge(event: unknown): Result {
    return this.judgeExtracted(this.#extractor.extract(event));
  }

  /** The address and connection facts of an event, as judge reads them (the audit keys its counts by them). */
  extract(event: unknown): Extracted {
    return this.#extractor.extract(event);
  }

  /** judge's answer for facts extract gave: a function of the address value and the context alone. */
  judgeExtracted(x: Extracted): Result {
    const addr = this.#addressOf(x);
    if (!('version' in addr)) return addr;
    const c = this.classifier.classify(addr, x.value as string);
    const owner = this.#ownerOf(addr, c.set)?.owner;
    return buildResult(c, this.rules.judge(c.set, x.context, owner), x.context, owner);
  }

  /** judge(event) and its JSON text (resultJson's bytes), written from the prebuilt fragment of its match set. */
  judgeText(event: unknown): JudgedText {
    const x = this.#extractor.extract(event);
    const addr = this.#addressOf(x);
    if (!('version' in addr)) return { result: addr, json: JSON.stringify(addr) };
    const ctx = x.context;
    const c = this.classifier.classify(addr, x.value as string);
    const owner = this.#ownerOf(addr, c.set);
    const verdict = this.rules.judge(c.set, ctx, owner?.owner);
    const vm = c.version === 6 ? VERSION_MAPPED.v6 : c.mapped ? VERSION_MAPPED.v4mapped : VERSION_MAPPED.v4;
    const head = '{"input":' + jsonString(c.input) + ',"ip":"' + c.ip + vm;
    const ownerJson = owner === undefined ? '' : owner.json;
    // No connection facts: the verdict is the context-free one, so the prebuilt tail is the answer.
    const json = isEmptyContext(ctx)
      ? owner === undefined
        ? head + this.#tail(c.set)
        : head + this.#fragment(c.set) + ownerJson + this.#ownedVerdictTail(c.set, owner)
      : head + this.#fragment(c.set) + ownerJson + verdictText(verdict) + contextText(ctx) + '}';
    return { result: buildResult(c, verdict, ctx, owner?.owner), json };
  }

  /** The event's parsed address (the parser's scratch record: read it at once), or why there is none. */
  #addressOf(x: Extracted): ScratchAddr | LookupFailure {
    const ctx = x.context;
    if (x.value === undefined || x.value === null) {
      // An address field was there, but the remote side of an inbound event is its source, and that is empty.
      if (x.field === 'message')
        return buildFailure(
          'NO_ADDRESS',
          'the netfilter line in message has no SRC=: it was logged inbound (IN= set, OUT= empty), so its remote side is SRC',
          ctx,
          { field: x.field },
        );
      if (x.field !== null)
        return buildFailure('NO_ADDRESS', `${x.field} is missing: the event is inbound, so its remote side is that field`, ctx, { field: x.field });
      return buildFailure('NO_ADDRESS', this.#noAddressMessage, ctx);
    }
    if (typeof x.value !== 'string') {
      // Only the JSON type is said: echoing an arbitrary value (nested 100k deep) could not be serialised.
      return buildFailure('INVALID_ADDRESS', `${x.field} is ${jsonKind(x.value)}, not an address text`, ctx, { field: x.field! });
    }
    const addr = parseAddrScratch(x.value);
    if (addr instanceof AddrParseError) return buildFailure(addr.code, `${x.field}: ${addr.message}`, ctx, { input: x.value, field: x.field!, value: x.value });
    return addr;
  }
}
