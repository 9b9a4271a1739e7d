// The audit baseline: what one run saw (destinations, owners, processes, services, process → destination pairs), saved as JSON and compared with a later run.

export const BASELINE_VERSION = 1;

/** What was seen, each list sorted: the file `--save-baseline` writes and `--baseline` reads. */
export interface Baseline {
  readonly ipdestAuditBaseline: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly destinations: readonly string[];
  readonly owners: readonly string[];
  readonly processes: readonly string[];
  readonly services: readonly string[];
  /** `process → destination`, for the connections that name a process. */
  readonly pairs: readonly string[];
}

/** What is new in this run and what the baseline had that this run did not see. */
export interface BaselineDiff {
  readonly new: SeenSets;
  readonly gone: SeenSets;
}

export interface SeenSets {
  readonly destinations: readonly string[];
  readonly owners: readonly string[];
  readonly processes: readonly string[];
  readonly services: readonly string[];
  readonly pairs: readonly string[];
}

const KEYS = ['destinations', 'owners', 'processes', 'services', 'pairs'] as const;

/** Plain code-unit order: the same on every machine and locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function makeBaseline(seen: { [K in (typeof KEYS)[number]]: Iterable<string> }, first: string | null, last: string | null): Baseline {
  const sorted = (it: Iterable<string>): string[] => [...new Set(it)].sort(byText);
  return {
    ipdestAuditBaseline: BASELINE_VERSION,
    first,
    last,
    destinations: sorted(seen.destinations),
    owners: sorted(seen.owners),
    processes: sorted(seen.processes),
    services: sorted(seen.services),
    pairs: sorted(seen.pairs),
  };
}

export class BaselineError extends Error {}

/** A baseline file's JSON, checked: every list present and made of strings. */
export function parseBaseline(text: string, file: string): Baseline {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || (v as Baseline).ipdestAuditBaseline !== BASELINE_VERSION)
    throw new BaselineError(`${file}: not an ipdest audit baseline (written by --save-baseline, "ipdestAuditBaseline": ${BASELINE_VERSION})`);
  const b = v as Record<string, unknown>;
  for (const k of KEYS) {
    const list = b[k];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new BaselineError(`${file}: "${k}" must be a list of strings`);
  }
  return v as Baseline;
}

export function diffBaseline(before: Baseline, now: Baseline): BaselineDiff {
  const diff = (a: readonly string[], b: readonly string[]): string[] => {
    const has = new Set(b);
    return a.filter((x) => !has.has(x));
  };
  const pick = (f: (k: (typeof KEYS)[number]) => string[]): SeenSets => ({
    destinations: f('destinations'),
    owners: f('owners'),
    processes: f('processes'),
    services: f('services'),
    pairs: f('pairs'),
  });
  return { new: pick((k) => diff(now[k], before[k])), gone: pick((k) => diff(before[k], now[k])) };
}
