// The loaded lists cut into what every writer needs: disjoint address ranges with their classifier answer, and the prefixes with their own answer.
import { SPECIAL_PURPOSE, addrFrom4, addrFrom6, mustParsePrefix, type Addr, type Prefix } from '../net/index.js';
import { Classifier, type ListSet, type LoadedList, type MatchSet } from '../lists/index.js';

/**
 * What is exported: the classifier answering for the chosen lists, and every prefix it holds.
 * `prefixes` is a superset of the classifier's own keys (the lists' entries and the registry's
 * special-purpose entries), so between two neighbouring prefix edges the answer is one match set:
 * a piece is classified by probing its first address, with no access to the classifier's trie.
 */
export interface ExportSource {
  readonly classifier: Classifier;
  readonly lists: readonly LoadedList[];
  /** Distinct prefixes, per family. */
  readonly prefixes: { readonly v4: readonly Prefix[]; readonly v6: readonly Prefix[] };
}

/** One maximal address range whose addresses all get the same answer, and the most specific prefix holding it. */
export interface Piece {
  readonly version: 4 | 6;
  /** Positions as integers (IPv4: 32 bits, IPv6: 128 bits), inclusive. */
  readonly start: bigint;
  readonly end: bigint;
  readonly set: MatchSet;
}

/** A prefix of the lists or the registry with the answer of its own addresses (those no longer prefix holds). */
export interface PrefixAnswer {
  readonly prefix: Prefix;
  readonly set: MatchSet;
  /** The closest enclosing prefix's entry, or null at the top. */
  readonly parent: PrefixAnswer | null;
}

export interface Selection {
  /** List names to keep (built-ins included); none: all. */
  readonly lists?: readonly string[] | undefined;
  /** Tags to keep: lists with another tag are left out; none: all. */
  readonly tags?: readonly string[] | undefined;
}

/** Why a selection cannot be made: a name that is not a loaded list, or a tag no list has. */
export class SelectionError extends Error {}

/**
 * The source of an export: the loaded set as it is, or, with a selection, a classifier rebuilt over
 * the chosen lists only (the registry's scopes stay: every address still has its scope and label).
 */
export function exportSource(set: ListSet, sel: Selection = {}): ExportSource {
  let lists = set.lists;
  let classifier = set.classifier;
  if ((sel.lists && sel.lists.length) || (sel.tags && sel.tags.length)) {
    const known = new Set(lists.map((l) => l.name));
    const unknown = (sel.lists ?? []).filter((n) => !known.has(n));
    if (unknown.length) throw new SelectionError(`no list named ${unknown.join(', ')}; the lists are ${[...known].join(', ')}`);
    const tags = new Set(lists.map((l) => l.tag.toLowerCase()));
    const noTag = (sel.tags ?? []).filter((t) => !tags.has(t.toLowerCase()));
    if (noTag.length) throw new SelectionError(`no list has the tag ${noTag.join(', ')}; the tags are ${[...new Set(lists.map((l) => l.tag))].join(', ')}`);
    const names = sel.lists && sel.lists.length ? new Set(sel.lists) : null;
    const wanted = sel.tags && sel.tags.length ? new Set(sel.tags.map((t) => t.toLowerCase())) : null;
    lists = lists.filter((l) => (names === null || names.has(l.name)) && (wanted === null || wanted.has(l.tag.toLowerCase())));
    classifier = Classifier.build(lists);
  }
  const byKey = new Map<string, Prefix>();
  for (const l of lists) for (const e of l.entries) byKey.set(e.prefix.key, e.prefix);
  for (const [text] of SPECIAL_PURPOSE) {
    // The classifier leaves it out too: it parses as 0.0.0.0/0, and mapped addresses are IPv4.
    if (text === '::ffff:0:0/96') continue;
    const p = mustParsePrefix(text);
    byKey.set(p.key, p);
  }
  const all = [...byKey.values()];
  return { classifier, lists, prefixes: { v4: all.filter((p) => p.version === 4), v6: all.filter((p) => p.version === 6) } };
}

const W = 0xffffffffn;

/** A prefix's first address as an integer. */
export function startOf(p: Prefix): bigint {
  const a = p.addr;
  return a.version === 4 ? BigInt(a.w0) : (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3);
}

/** A prefix's last address as an integer. */
export function endOf(p: Prefix): bigint {
  const width = p.version === 4 ? 32n : 128n;
  return startOf(p) | ((1n << (width - BigInt(p.bits))) - 1n);
}

/** The address at an integer position. */
export function addrAt(version: 4 | 6, n: bigint): Addr {
  if (version === 4) return addrFrom4(Number(n));
  return addrFrom6(Number((n >> 96n) & W), Number((n >> 64n) & W), Number((n >> 32n) & W), Number(n & W));
}

/** Calls back once per prefix of the minimal CIDR cover of [start, end], in address order. */
export function coverOf(version: 4 | 6, start: bigint, end: bigint, emit: (p: { version: 4 | 6; bits: number; start: bigint }) => void): void {
  const width = version === 4 ? 32 : 128;
  let s = start;
  while (s <= end) {
    // The largest block aligned at s that ends at or before `end`: bounded by s's trailing zeros
    // and by the length left. (Bit lengths from toString(2): BigInt has no count-zeros.)
    const align = s === 0n ? width : (s & -s).toString(2).length - 1;
    const fit = (end - s + 1n).toString(2).length - 1;
    const host = Math.min(align, fit);
    emit({ version, bits: width - host, start: s });
    s += 1n << BigInt(host);
  }
}

/** The prefix text of a cover block, the way Prefix writes it. */
export function blockText(version: 4 | 6, start: bigint, bits: number): string {
  return `${addrAt(version, start).toString()}/${bits}`;
}

/**
 * One family's prefixes swept in address order: `onPiece` for each maximal range between prefix
 * edges, with the answer of its addresses (ranges no prefix holds are not visited). Returns the
 * prefixes that have addresses of their own, in order of their start, outer before inner.
 */
export function sweep(src: ExportSource, version: 4 | 6, onPiece: (start: bigint, end: bigint, set: MatchSet) => void): PrefixAnswer[] {
  const list = (version === 4 ? src.prefixes.v4 : src.prefixes.v6).map((p) => ({ p, s: startOf(p), e: endOf(p) }));
  list.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : a.p.bits - b.p.bits));
  interface Open {
    readonly e: bigint;
    readonly p: Prefix;
    readonly up: Open | null;
    set: MatchSet | null;
  }
  const stack: Open[] = [];
  const opened: Open[] = [];
  let cursor = 0n;
  const emit = (to: bigint) => {
    if (cursor > to) return;
    const top = stack[stack.length - 1]!;
    const set = src.classifier.matchSetOf(addrAt(version, cursor));
    top.set ??= set;
    onPiece(cursor, to, set);
    cursor = to + 1n;
  };
  for (const x of list) {
    while (stack.length && stack[stack.length - 1]!.e < x.s) {
      emit(stack[stack.length - 1]!.e);
      stack.pop();
    }
    if (stack.length) emit(x.s - 1n);
    cursor = x.s;
    const o: Open = { e: x.e, p: x.p, up: stack[stack.length - 1] ?? null, set: null };
    stack.push(o);
    opened.push(o);
  }
  while (stack.length) {
    emit(stack[stack.length - 1]!.e);
    stack.pop();
  }
  // A prefix entirely covered by longer ones has no answer of its own: its children name the
  // closest enclosing prefix that has one (the classifier's sets inherit the same way).
  const answers = new Map<Open, PrefixAnswer>();
  const out: PrefixAnswer[] = [];
  for (const o of opened) {
    if (o.set === null) continue;
    let up = o.up;
    while (up !== null && up.set === null) up = up.up;
    const a: PrefixAnswer = { prefix: o.p, set: o.set, parent: up === null ? null : answers.get(up)! };
    answers.set(o, a);
    out.push(a);
  }
  return out;
}

/** The disjoint pieces of one family, adjacent pieces whose `same` key is equal merged into one. */
export function piecesOf(src: ExportSource, version: 4 | 6, keep: (set: MatchSet) => boolean, same: (set: MatchSet) => string): Piece[] {
  const out: Array<{ version: 4 | 6; start: bigint; end: bigint; set: MatchSet; key: string }> = [];
  sweep(src, version, (start, end, set) => {
    if (!keep(set)) return;
    const key = same(set);
    const last = out[out.length - 1];
    if (last && last.end + 1n === start && last.key === key) last.end = end;
    else out.push({ version, start, end, set, key });
  });
  return out.map(({ version, start, end, set }) => ({ version, start, end, set }));
}

/** A set that says nothing beyond "a global address no list holds": what a missing row means. */
export function isUnlisted(set: MatchSet): boolean {
  return set.matches.length === 0 && set.scope === 'global';
}
