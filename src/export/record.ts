// One answer of the classifier as the flat row every export writes: the first match's facts, the scope, the label and the tags.
import type { MatchSet } from '../lists/index.js';

/** The columns of a row, from a match set: its first (most specific) match, and what the whole set says. */
export interface ExportRecord {
  /** The first match's tag (the result's `IPDestination`), or null. */
  readonly tag: string | null;
  /** Never null: the tag, `Unlisted`, or the scope (the result's `label`). */
  readonly label: string;
  readonly list: string | null;
  /** The first match's prefix: the list's own prefix, which can be wider than the row's network. */
  readonly prefix: string | null;
  readonly services: readonly string[];
  readonly regions: readonly string[];
  readonly hosting: string | null;
  readonly scope: string;
  readonly tags: readonly string[];
  /** Every list that holds the address, most specific first. */
  readonly lists: readonly string[];
}

const records = new WeakMap<MatchSet, ExportRecord>();

export function recordOf(set: MatchSet): ExportRecord {
  let r = records.get(set);
  if (r === undefined) {
    const m = set.matches[0];
    r = Object.freeze({
      tag: set.tag,
      label: set.label,
      list: m?.list ?? null,
      prefix: m?.prefix ?? null,
      services: m?.services ?? [],
      regions: m?.regions ?? [],
      hosting: m?.hosting ?? null,
      scope: set.scope,
      tags: set.tags,
      lists: set.matches.map((x) => x.list),
    });
    records.set(set, r);
  }
  return r;
}
