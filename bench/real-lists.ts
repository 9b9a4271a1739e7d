// The real lists of ../shared/data as bench input: list sources, and a seeded address mix.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ListSet, ListSource } from '../src/lists/index.js';
import { BENCH_DIR, SHARED_DATA } from './harness.js';

/** The same lists bench/load-child.mjs loads. */
export const REAL_SOURCES: ListSource[] = JSON.parse(readFileSync(resolve(BENCH_DIR, 'real-lists.json'), 'utf8'));

export function haveSharedData(): boolean {
  return existsSync(SHARED_DATA);
}

/** A seeded generator, so every run probes the same addresses. */
export function rng(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s;
  };
}

const v4text = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const hex = (n: number) => n.toString(16);

/**
 * The mix of 100k addresses: 40% inside listed IPv4 prefixes, 10% inside listed IPv6
 * prefixes, 40% random IPv4, 10% random global IPv6 (2000::/3). IPv6 is written the way Sysmon
 * and most logs write it: compressed where the zeros are.
 */
export function addressMix(set: ListSet, n = 100_000, seed = 42): string[] {
  const next = rng(seed);
  const v4 = set.lists.flatMap((l) => l.entries.filter((e) => e.prefix.version === 4).map((e) => e.prefix));
  const v6 = set.lists.flatMap((l) => l.entries.filter((e) => e.prefix.version === 6).map((e) => e.prefix));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 4) {
      const p = v4[next() % v4.length]!;
      const size = 2 ** (32 - p.bits);
      out.push(v4text(p.addr.w0 + (next() % size)));
    } else if (k === 4) {
      const p = v6[next() % v6.length]!;
      // Random host bits in the last word (the prefixes are at most /64 deep for most of the list).
      const hostBits = Math.min(32, 128 - p.bits);
      const low = hostBits === 0 ? 0 : next() % 2 ** hostBits;
      const a = p.addr;
      const w3 = (a.w3 + low) >>> 0;
      out.push(compress([a.w0 >>> 16, a.w0 & 0xffff, a.w1 >>> 16, a.w1 & 0xffff, a.w2 >>> 16, a.w2 & 0xffff, w3 >>> 16, w3 & 0xffff]));
    } else if (k < 9) {
      out.push(v4text(next()));
    } else {
      const g = [
        0x2000 + (next() & 0x1fff),
        next() & 0xffff,
        next() & 0xffff,
        next() & 0xffff,
        next() & 0xffff,
        next() & 0xffff,
        next() & 0xffff,
        next() & 0xffff,
      ];
      out.push(compress(g));
    }
  }
  return out;
}

function compress(g: number[]): string {
  return g
    .map(hex)
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::');
}
