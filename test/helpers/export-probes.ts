// Probe addresses for the export tests: every prefix boundary (first, last, ±1) and a seeded random mix, plus small hand-made list sets.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Classifier, builtinLists, loadLists, type ListSet, type ListSource, type LoadedList } from '../../src/lists/index.js';
import { addrFrom4, addrFrom6, mustParsePrefix } from '../../src/net/index.js';
import { exportSource, type ExportSource } from '../../src/export/index.js';
import { PROJECT_ROOT, SHARED_DATA } from './shared-data.js';

export const REAL_SOURCES: ListSource[] = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'bench', 'real-lists.json'), 'utf8'));

/** The real lists of ../shared/data, loaded once per test file. */
let real: Promise<ListSet> | undefined;
export function realLists(): Promise<ListSet> {
  real ??= loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  return real;
}

/** A list set from hand-written prefixes (the built-ins added, as loadLists does). */
export function handLists(lists: Array<{ name: string; tag: string; format?: string; entries: Array<string | [string, string[], string[]]> }>): ListSet {
  const at = '2025-01-02T03:04:05.000Z';
  const made: LoadedList[] = lists.map((l) => {
    const entries = l.entries.map((e) => {
      const [p, services, regions] = typeof e === 'string' ? [e, [], []] : e;
      return Object.freeze({ prefix: mustParsePrefix(p), services, regions });
    });
    const v4 = entries.filter((e) => e.prefix.version === 4).length;
    return {
      name: l.name,
      tag: l.tag,
      format: (l.format ?? 'text') as LoadedList['format'],
      kind: 'provider',
      file: null,
      source: 'file',
      version: 'v1',
      published: at,
      fetchedAt: null,
      activatedAt: null,
      stale: false,
      staleAt: null,
      rejected: null,
      loadedAt: at,
      state: 'loaded',
      required: false,
      prefixes: { v4, v6: entries.length - v4 },
      warnings: [],
      error: null,
      entries,
    };
  });
  const all = [...made, ...builtinLists(undefined, at)];
  return { lists: all, classifier: Classifier.build(all), builtAt: at, durationMs: 0, ok: true };
}

function v4text(n: number): string {
  return addrFrom4(n >>> 0).toString();
}

function v6text(n: bigint): string {
  const W = 0xffffffffn;
  return addrFrom6(Number((n >> 96n) & W), Number((n >> 64n) & W), Number((n >> 32n) & W), Number(n & W)).toString();
}

/** Every prefix's first and last address and their outside neighbours, as text; IPv4 ones also IPv4-mapped when `mapped`. */
export function boundaries(src: ExportSource, opts: { mapped?: boolean } = {}): string[] {
  const out = new Set<string>();
  for (const p of src.prefixes.v4) {
    const s = p.addr.w0;
    const e = s + 2 ** (32 - p.bits) - 1;
    for (const n of [s - 1, s, e, e + 1]) if (n >= 0 && n <= 0xffffffff) out.add(v4text(n));
    if (opts.mapped) out.add(`::ffff:${v4text(s)}`);
  }
  const max = (1n << 128n) - 1n;
  for (const p of src.prefixes.v6) {
    const a = p.addr;
    const s = (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3);
    const e = s | ((1n << BigInt(128 - p.bits)) - 1n);
    for (const n of [s - 1n, s, e, e + 1n]) if (n >= 0n && n <= max) out.add(v6text(n));
  }
  return [...out];
}

/** n seeded random addresses: a third IPv4, a third IPv6 (half inside 2000::/3, half near listed prefixes), a third IPv4-mapped. */
export function randomAddresses(src: ExportSource, n: number, seed = 42): string[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
  const word = () => ((next() << 8) ^ next()) >>> 0;
  const v6 = src.prefixes.v6;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 6;
    if (k < 2) out.push(v4text(word()));
    else if (k === 2)
      out.push(v6text((BigInt(0x20000000 | (word() & 0x1fffffff)) << 96n) | (BigInt(word()) << 64n) | (BigInt(word()) << 32n) | BigInt(word())));
    else if (k === 3 && v6.length) {
      const p = v6[next() % v6.length]!.addr;
      out.push(v6text((BigInt(p.w0) << 96n) | (BigInt(p.w1) << 64n) | (BigInt(p.w2 ^ (word() & 0xff)) << 32n) | BigInt(word())));
    } else out.push(`::ffff:${v4text(word())}`);
  }
  return out;
}

/** IPv6 addresses an IPv6 MaxMind tree cannot tell from IPv4 (::/96 is where the IPv4 space lives): ::1 reads as 0.0.0.1. */
export function inIpv4Space(text: string): boolean {
  if (!text.includes(':') || text.startsWith('::ffff:')) return false;
  const p = mustParsePrefix('::/96');
  return p.contains(mustParsePrefix(`${text}/128`).addr);
}

export function sourceOf(set: ListSet): ExportSource {
  return exportSource(set);
}
