// Scopes: the IANA special-purpose address class of an address, and whether it is external.
import type { Addr } from './addr.js';
import { mustParsePrefix } from './prefix.js';
import { PrefixTable } from './trie.js';

export type Scope =
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'global';

export const SCOPES: readonly Scope[] = Object.freeze([
  'unspecified',
  'this-network',
  'loopback',
  'private',
  'shared',
  'link-local',
  'unique-local',
  'documentation',
  'benchmarking',
  'multicast',
  'broadcast',
  'reserved',
  'global',
]);

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (2025-05 versions, including
 * 100:0:0:1::/64, 3fff::/20 and 5f00::/16) plus the multicast blocks. `null` marks rows whose
 * "Globally Reachable" is N/A or blank (TEREDO, 6to4, deprecated ORCHID, 6to4 relay anycast):
 * they take the class of the entry around them, or `global` where none is.
 * test/net/scope.test.ts checks this table against the registries' own CSV files.
 */
export const SPECIAL_PURPOSE: ReadonlyArray<readonly [string, Scope | null]> = Object.freeze([
  ['0.0.0.0/8', 'this-network'],
  ['0.0.0.0/32', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.0.0/29', 'reserved'],
  ['192.0.0.8/32', 'reserved'],
  ['192.0.0.9/32', 'global'],
  ['192.0.0.10/32', 'global'],
  ['192.0.0.170/32', 'reserved'],
  ['192.0.0.171/32', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.31.196.0/24', 'global'],
  ['192.52.193.0/24', 'global'],
  ['192.88.99.0/24', null],
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'global'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'broadcast'],
  ['::1/128', 'loopback'],
  ['::/128', 'unspecified'],
  // Never reached by a lookup (mapped addresses are unmapped first); kept for completeness.
  ['::ffff:0:0/96', 'reserved'],
  ['64:ff9b::/96', 'global'],
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'],
  ['100:0:0:1::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001::/32', null],
  ['2001:1::1/128', 'global'],
  ['2001:1::2/128', 'global'],
  ['2001:1::3/128', 'global'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:3::/32', 'global'],
  ['2001:4:112::/48', 'global'],
  ['2001:10::/28', null],
  ['2001:20::/28', 'global'],
  ['2001:30::/28', 'global'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', null],
  ['2620:4f:8000::/48', 'global'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'reserved'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
] as const);

// ::ffff:0:0/96 parses as the IPv4 prefix 0.0.0.0/0 (prefix.ts unmaps it), which would shadow
// every IPv4 address: the table below leaves it out on purpose.
const table = PrefixTable.build<Scope | null, Scope>(
  SPECIAL_PURPOSE.filter(([p]) => p !== '::ffff:0:0/96').map(([p, scope]) => ({ prefix: mustParsePrefix(p), value: scope })),
  (own, outer) => own ?? outer ?? 'global',
);

/** The special-purpose class of addr; `global` outside every registry entry. */
export function scopeOf(addr: Addr): Scope {
  return table.longestMatch(addr) ?? 'global';
}
