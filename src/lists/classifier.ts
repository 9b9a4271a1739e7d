// Classifier: one address in, the contract's lookup result out, from all lists and scopes in one trie walk.
import {
  AddrParseError,
  PrefixTable,
  SPECIAL_PURPOSE,
  formatV4,
  formatV6,
  mustParsePrefix,
  parseAddrScratch,
  runSteps,
  runStepsAsync,
  type Addr,
  type Prefix,
  type ScratchAddr,
  type Scope,
} from '../net/index.js';
import type { ListEntry } from './formats/index.js';
import { hostingOf, type Hosting } from './hosting.js';

/** One list's most specific prefix holding the address. Frozen at load, shared by every result. */
export interface Match {
  readonly list: string;
  readonly tag: string;
  readonly prefix: string;
  readonly services: readonly string[];
  readonly regions: readonly string[];
  /** For a provider list: its own service, or space its customers rent (hosting.ts). */
  readonly hosting?: Hosting;
}

/** A list as the classifier sees it; the array order is the tie-break order. */
export interface ClassifierList {
  readonly name: string;
  readonly tag: string;
  /** The list's format: a provider format gives each match its `hosting`. */
  readonly format?: string;
  /** `threat`: its matches are the set's `threat`, not matches (the tag stays the provider's). */
  readonly kind?: 'provider' | 'threat';
  readonly entries: readonly ListEntry[];
}

/**
 * What the classifier says of one address: the address as the contract writes it, and the frozen
 * match set of its most specific prefix (shared by every address under that prefix). The enrich
 * layer turns it, with a verdict, into the contract's result.
 */
export interface Classified {
  readonly input: string;
  /** Canonical text: IPv4 for IPv4-mapped input, RFC 5952 for IPv6, no zone. */
  readonly ip: string;
  readonly version: 4 | 6;
  readonly mapped: boolean;
  readonly set: MatchSet;
}

/** Everything a result needs that depends only on the matched prefix: computed once per prefix at build. */
/** A threat list's most specific prefix holding the address (contract additions: `threat`). */
export interface ThreatMatch {
  readonly list: string;
  readonly prefix: string;
}

export interface MatchSet {
  /** Dense index in its classifier's `matchSets`: what per-set tables (prebuilt answers) are indexed by. */
  readonly id: number;
  readonly matches: readonly Match[];
  /** Threat lists holding a global address, one entry per list (most specific prefix); empty for the rest. */
  readonly threat: readonly ThreatMatch[];
  readonly tag: string | null;
  readonly tags: readonly string[];
  readonly scope: Scope;
  readonly external: boolean;
  readonly label: string;
}

interface OwnEntries {
  prefix: Prefix;
  matches: Array<{ order: number; match: Match }>;
  threats: Array<{ order: number; threat: ThreatMatch }>;
  /** undefined: not a registry entry; null: a registry entry that takes the class around it. */
  scope: Scope | null | undefined;
}

const EMPTY: readonly never[] = Object.freeze([]);

function matchSet(
  id: number,
  matches: readonly Match[],
  scope: Scope,
  tagSets: Map<string, readonly string[]>,
  threat: readonly ThreatMatch[] = EMPTY,
): MatchSet {
  const own: string[] = [];
  for (const m of matches) if (!own.includes(m.tag)) own.push(m.tag);
  // Few distinct tag lists exist (["Microsoft"], ["AWS"], …): one frozen array each.
  const key = own.join('\u0000');
  let tags = tagSets.get(key);
  if (tags === undefined) {
    tags = own.length ? Object.freeze(own) : EMPTY;
    tagSets.set(key, tags);
  }
  const tag = matches.length > 0 ? matches[0]!.tag : null;
  return Object.freeze({
    id,
    matches: matches.length ? Object.freeze(matches) : EMPTY,
    // A private or reserved address is never a threat, whatever a feed lists.
    threat: threat.length && scope === 'global' ? Object.freeze(threat) : EMPTY,
    tag,
    tags,
    scope,
    external: scope === 'global',
    label: tag ?? (scope === 'global' ? 'Unlisted' : scope),
  });
}

export class Classifier {
  readonly #table: PrefixTable<MatchSet>;
  /** Every match set of this classifier, by id; id 0 is a global address in no list. */
  readonly matchSets: readonly MatchSet[];
  readonly #unlisted: MatchSet;
  /** Distinct prefixes of the lists (without the registry's), per family. */
  readonly prefixes: { readonly v4: number; readonly v6: number };
  readonly lists: readonly string[];

  private constructor(table: PrefixTable<MatchSet>, sets: readonly MatchSet[], prefixes: { v4: number; v6: number }, lists: readonly string[]) {
    this.#table = table;
    this.matchSets = Object.freeze(sets);
    this.#unlisted = sets[0]!;
    this.prefixes = Object.freeze(prefixes);
    this.lists = Object.freeze(lists);
  }

  /** Builds the classifier of these lists (array order breaks ties). */
  static build(lists: readonly ClassifierList[]): Classifier {
    return runSteps(Classifier.#steps(lists));
  }

  /** The same build, letting requests run between its steps: what a reload in a server uses. */
  static buildAsync(lists: readonly ClassifierList[]): Promise<Classifier> {
    return runStepsAsync(Classifier.#steps(lists));
  }

  static *#steps(lists: readonly ClassifierList[]): Generator<void, Classifier> {
    const byKey = new Map<string, OwnEntries>();
    // Matches of google-ip-ranges lists (goog.json and cloud.json): see googleCustomerSpace.
    const google = new Set<Match>();
    const own = (prefix: Prefix): OwnEntries => {
      let o = byKey.get(prefix.key);
      if (o === undefined) {
        o = { prefix, matches: [], threats: [], scope: undefined };
        byKey.set(prefix.key, o);
      }
      return o;
    };
    let v4 = 0;
    let v6 = 0;
    let n = 0;
    for (let order = 0; order < lists.length; order++) {
      const list = lists[order]!;
      for (const e of list.entries) {
        if (++n % 4096 === 0) yield;
        const o = own(e.prefix);
        if (o.matches.length === 0 && o.threats.length === 0) {
          if (e.prefix.version === 4) v4++;
          else v6++;
        }
        if (list.kind === 'threat') {
          if (!o.threats.some((x) => x.order === order)) o.threats.push({ order, threat: Object.freeze({ list: list.name, prefix: e.prefix.toString() }) });
          continue;
        }
        if (o.matches.some((m) => m.order === order)) continue;
        const hosting = list.format === undefined ? undefined : hostingOf(list.format, e.services);
        const match: Match =
          hosting === undefined
            ? { list: list.name, tag: list.tag, prefix: e.prefix.toString(), services: e.services, regions: e.regions }
            : { list: list.name, tag: list.tag, prefix: e.prefix.toString(), services: e.services, regions: e.regions, hosting };
        o.matches.push({ order, match: Object.freeze(match) });
        if (list.format === 'google-ip-ranges') google.add(o.matches[o.matches.length - 1]!.match);
      }
    }
    for (const [text, scope] of SPECIAL_PURPOSE) {
      if (text === '::ffff:0:0/96') continue; // unmapped to 0.0.0.0/0 by the parser; mapped addresses are IPv4
      own(mustParsePrefix(text)).scope = scope;
    }
    const entries = [...byKey.values()].map((o) => ({ prefix: o.prefix, value: o }));
    const tagSets = new Map<string, readonly string[]>();
    const asCustomer = new Map<Match, Match>();
    const sets: MatchSet[] = [matchSet(0, [], 'global', tagSets)];
    const table = yield* PrefixTable.steps<OwnEntries, MatchSet>(entries, (o, outer) => {
      o.matches.sort((a, b) => a.order - b.order);
      const mine = o.matches.map((m) => m.match);
      const lists = new Set(mine.map((m) => m.list));
      // Own prefixes are longer than every outer one, so they come first; outer matches of the
      // lists this prefix does not hold follow in their own (already sorted) order.
      const inherited = outer ? outer.matches.filter((m) => !lists.has(m.list)) : EMPTY;
      const scope = o.scope ?? outer?.scope ?? 'global';
      o.threats.sort((a, b) => a.order - b.order);
      const ownThreat = o.threats.map((x) => x.threat);
      const threatLists = new Set(ownThreat.map((x) => x.list));
      const outerThreat = outer ? outer.threat.filter((x) => !threatLists.has(x.list)) : EMPTY;
      // outer.threat is empty outside global space; a global prefix inside such an outer keeps its own.
      const threat = [...ownThreat, ...outerThreat];
      const set = matchSet(sets.length, googleCustomerSpace([...mine, ...inherited], google, asCustomer), scope, tagSets, threat);
      sets.push(set);
      return set;
    });
    return new Classifier(
      table,
      sets,
      { v4, v6 },
      lists.map((l) => l.name),
    );
  }

  /** The match set of an address: one trie walk, no allocation. */
  matchSetOf(addr: Addr | ScratchAddr): MatchSet {
    return this.#table.longestMatch(addr) ?? this.#unlisted;
  }

  /** An address text classified, or why it is not an address; never throws. */
  lookup(input: string): Classified | AddrParseError {
    const addr = parseAddrScratch(input);
    if (addr instanceof AddrParseError) return addr;
    return this.classify(addr, input);
  }

  /** A parsed address (an Addr, or the parser's scratch record, read at once) classified. */
  classify(addr: Addr | ScratchAddr, input: string): Classified {
    return { input, ip: textOf(addr), version: addr.version, mapped: addr.mapped, set: this.#table.longestMatch(addr) ?? this.#unlisted };
  }

  /** Bytes held by the table: its nodes, leaves and the IPv4 /16 index. */
  get tableBytes(): number {
    return this.#table.bytes;
  }
}

/**
 * goog.json holds cloud.json's ranges too: a goog.json match where a cloud.json match (a
 * google-ip-ranges entry with a service) also holds the address is customer space, not Google's
 * own (hosting.ts). The customer copy of each such match is made once.
 */
function googleCustomerSpace(matches: Match[], google: ReadonlySet<Match>, copies: Map<Match, Match>): Match[] {
  if (!matches.some((m) => google.has(m) && m.hosting === 'customer')) return matches;
  return matches.map((m) => {
    if (m.hosting !== 'first-party' || !google.has(m)) return m;
    let c = copies.get(m);
    if (c === undefined) {
      c = Object.freeze({ ...m, hosting: 'customer' as const });
      copies.set(m, c);
    }
    return c;
  });
}

/** An address's canonical text (the result's `ip`). */
export function textOf(addr: Addr | ScratchAddr): string {
  if ('text' in addr) return addr.text ?? (addr.version === 4 ? formatV4(addr.w0) : formatV6(addr.w0, addr.w1, addr.w2, addr.w3));
  return addr.toString();
}
