// Built-in lists: special-purpose ranges every deployment wants tagged, no files needed.
import { mustParsePrefix, type Prefix } from '../net/index.js';

export interface BuiltinList {
  readonly name: string;
  readonly tag: string;
  readonly prefixes: readonly Prefix[];
}

/** The contract's built-ins, in the order they break ties (after every configured list). */
export const BUILTIN_LISTS: readonly BuiltinList[] = Object.freeze(
  (
    [
      ['private', 'Private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
      ['unique-local', 'Private', ['fc00::/7']],
      ['loopback', 'Loopback', ['127.0.0.0/8', '::1/128']],
      ['link-local', 'LinkLocal', ['169.254.0.0/16', 'fe80::/10']],
      ['shared', 'Private', ['100.64.0.0/10']],
      ['multicast', 'Multicast', ['224.0.0.0/4', 'ff00::/8']],
    ] as const
  ).map(([name, tag, prefixes]) => Object.freeze({ name, tag, prefixes: Object.freeze(prefixes.map(mustParsePrefix)) })),
);

export const BUILTIN_NAMES: readonly string[] = BUILTIN_LISTS.map((b) => b.name);

/** Per built-in: a string re-tags it, false disables it, absent keeps the default. */
export type BuiltinSettings = Readonly<Record<string, string | false | undefined>>;

/** The enabled built-ins with their tags applied. */
export function resolveBuiltins(settings: BuiltinSettings = {}): BuiltinList[] {
  const out: BuiltinList[] = [];
  for (const b of BUILTIN_LISTS) {
    const s = settings[b.name];
    if (s === false) continue;
    out.push(typeof s === 'string' ? { ...b, tag: s } : b);
  }
  return out;
}
