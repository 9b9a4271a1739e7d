// A parsed list as typed arrays and string sets: what crosses from the parsing thread, cheaply.
import { Prefix, addrFrom4, addrFrom6 } from '../net/index.js';
import type { ListEntry, ParsedList } from './formats/index.js';

export interface PackedList {
  readonly count: number;
  /** Per entry: four address words. */
  readonly words: Uint32Array;
  /** Per entry: version, prefix length. */
  readonly meta: Uint8Array;
  /** Per entry: index into `sets` of its services, then of its regions. */
  readonly setIds: Int32Array;
  /** The distinct service and region sets of the list. */
  readonly sets: readonly (readonly string[])[];
  readonly version: string | null;
  readonly warnings: readonly string[];
}

export function packList(parsed: ParsedList): PackedList {
  const n = parsed.entries.length;
  const words = new Uint32Array(n * 4);
  const meta = new Uint8Array(n * 2);
  const setIds = new Int32Array(n * 2);
  const sets: (readonly string[])[] = [];
  const ids = new Map<readonly string[], number>();
  const idOf = (set: readonly string[]): number => {
    let id = ids.get(set);
    if (id === undefined) {
      id = sets.length;
      sets.push(set);
      ids.set(set, id);
    }
    return id;
  };
  parsed.entries.forEach((e, i) => {
    const a = e.prefix.addr;
    words[4 * i] = a.w0;
    words[4 * i + 1] = a.w1;
    words[4 * i + 2] = a.w2;
    words[4 * i + 3] = a.w3;
    meta[2 * i] = a.version;
    meta[2 * i + 1] = e.prefix.bits;
    setIds[2 * i] = idOf(e.services);
    setIds[2 * i + 1] = idOf(e.regions);
  });
  return { count: n, words, meta, setIds, sets: sets.map((s) => [...s]), version: parsed.version, warnings: parsed.warnings };
}

/** Rebuilds the entries, in steps of `chunk` (a caller may serve requests between them). */
export function* unpackSteps(p: PackedList, chunk = 8192): Generator<void, ParsedList> {
  const sets = p.sets.map((s) => Object.freeze([...s]) as readonly string[]);
  const entries: ListEntry[] = new Array(p.count);
  for (let i = 0; i < p.count; i++) {
    if (i > 0 && i % chunk === 0) yield;
    const w = p.words;
    const addr = p.meta[2 * i] === 4 ? addrFrom4(w[4 * i]!) : addrFrom6(w[4 * i]!, w[4 * i + 1]!, w[4 * i + 2]!, w[4 * i + 3]!);
    entries[i] = Object.freeze({ prefix: Prefix.create(addr, p.meta[2 * i + 1]!), services: sets[p.setIds[2 * i]!]!, regions: sets[p.setIds[2 * i + 1]!]! });
  }
  return { entries, version: p.version, warnings: p.warnings };
}
