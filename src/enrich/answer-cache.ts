// A bounded cache of lookup answers by input text, for batches whose addresses repeat.

/** Entries kept at most, by default (two generations of half as many). */
export const DEFAULT_ANSWER_CACHE_ENTRIES = 4096;
/** Inputs longer than this are answered but never kept (the longest address text is 45 + zone). */
export const DEFAULT_ANSWER_CACHE_MAX_INPUT = 64;

/** Answers longer than this are not kept (the real lists' longest is about 530 characters). */
export const DEFAULT_ANSWER_CACHE_MAX_ANSWER = 4096;

/** Lookups a hit rate is judged over, and the share of hits below which the cache steps aside. */
const WINDOW = 4096;
const MIN_HITS = WINDOW / 32;
/** Windows the cache then stays out of the way before it tries again. */
const REST_WINDOWS = 16;

/** What the cache keeps of an answer: its JSON text and what it is counted under. */
export interface CachedAnswer {
  readonly json: string;
  readonly label: string;
  readonly failed: boolean;
  /** A threat list holds the address (counted apart in /metrics). */
  readonly threat: boolean;
}

export interface AnswerCacheOptions {
  /** Entries kept at most (0: no cache). */
  readonly entries?: number;
  /** Longest input text kept, in UTF-16 units. */
  readonly maxInputLength?: number;
  /** Longest answer text kept, in UTF-16 units. */
  readonly maxAnswerLength?: number;
}

/**
 * Two generations of Maps: new answers go into the young one; when it holds half the bound, it
 * becomes the old one and the previous old one is dropped; a hit in the old one moves to the young
 * one. So it never holds more than `capacity` entries, recently used answers stay, and a hit costs
 * one Map get (V8 keeps a string's hash on the string) — no list to reorder as an LRU would.
 * The answers depend on the lists, so each Enricher has its own: a reload starts an empty one.
 *
 * Where inputs barely repeat (under 1 in 32 over a window of 4096), every miss costs a lookup
 * and an insert for nothing (a quarter of the batch path's speed on the bench's 100k mix): the
 * cache then empties and is not consulted (`useful()` false) for 16 windows, then tries again.
 */
export class AnswerCache {
  readonly capacity: number;
  readonly maxInputLength: number;
  readonly maxAnswerLength: number;
  readonly #half: number;
  #young = new Map<string, CachedAnswer>();
  #old = new Map<string, CachedAnswer>();
  hits = 0;
  misses = 0;
  /** Lookups that went past the cache while it stepped aside. */
  bypassed = 0;
  #seen = 0;
  #seenHits = 0;
  #rest = 0;

  constructor(opts: AnswerCacheOptions = {}) {
    this.capacity = Math.max(0, Math.floor(opts.entries ?? DEFAULT_ANSWER_CACHE_ENTRIES));
    this.maxInputLength = opts.maxInputLength ?? DEFAULT_ANSWER_CACHE_MAX_INPUT;
    this.maxAnswerLength = opts.maxAnswerLength ?? DEFAULT_ANSWER_CACHE_MAX_ANSWER;
    this.#half = Math.max(1, this.capacity >> 1);
  }

  /** Entries held now (never more than `capacity`). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** Whether to consult the cache for the next input (false, and counted as bypassed, while it steps aside). */
  useful(): boolean {
    if (this.#rest === 0) return this.capacity > 0;
    this.#rest--;
    this.bypassed++;
    return false;
  }

  /** The kept answer for this input, or undefined (counted as a hit or a miss). */
  get(input: string): CachedAnswer | undefined {
    if (++this.#seen === WINDOW) {
      if (this.#seenHits < MIN_HITS) {
        this.#rest = REST_WINDOWS * WINDOW;
        this.#young = new Map();
        this.#old = new Map();
      }
      this.#seen = 0;
      this.#seenHits = 0;
    }
    let a = this.#young.get(input);
    if (a !== undefined) {
      this.hits++;
      this.#seenHits++;
      return a;
    }
    a = this.#old.get(input);
    if (a !== undefined) {
      this.hits++;
      this.#seenHits++;
      this.#old.delete(input);
      this.#add(input, a);
      return a;
    }
    this.misses++;
    return undefined;
  }

  /**
   * Keeps an answer (inputs and answers over their length caps are not kept): so it never holds
   * more than capacity × (maxInputLength + maxAnswerLength) characters of text.
   */
  set(input: string, answer: CachedAnswer): void {
    if (this.capacity === 0 || input.length > this.maxInputLength || answer.json.length > this.maxAnswerLength) return;
    this.#add(input, answer);
  }

  #add(input: string, answer: CachedAnswer): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
      // A capacity of 1 has room for one entry in all.
      if (this.capacity === 1) this.#old.clear();
    }
    this.#young.set(input, answer);
  }
}
