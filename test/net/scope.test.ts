// Scopes: the embedded registry table against IANA's own special-purpose registry CSV files.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { mustParseAddr, mustParsePrefix, scopeOf, type Addr, type Prefix, type Scope } from '../../src/net/index.js';
import { readCsv } from '../../src/lists/formats/csv-rows.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

interface Row {
  prefix: Prefix;
  cls: Scope | null;
  name: string;
}

/** The class the contract gives a registry row, from its name and "Globally Reachable" column. */
function classOf(name: string, reachable: string): Scope | null {
  const r = reachable.replace(/\[\d+\]/g, '').trim();
  if (r === 'True') return 'global';
  if (r === 'N/A' || r === '') return null;
  const n = name.toLowerCase();
  if (n.includes('this host')) return 'unspecified';
  if (n.includes('this network')) return 'this-network';
  if (n.includes('unspecified')) return 'unspecified';
  if (n.includes('private-use')) return 'private';
  if (n.includes('shared address')) return 'shared';
  if (n.includes('loopback')) return 'loopback';
  if (n.includes('link local') || n.includes('link-local')) return 'link-local';
  if (n.includes('unique-local')) return 'unique-local';
  if (n.includes('documentation')) return 'documentation';
  if (n.includes('benchmarking')) return 'benchmarking';
  if (n.includes('broadcast')) return 'broadcast';
  return 'reserved';
}

function registryRows(file: string): Row[] {
  const rows = readCsv(readFileSync(file, 'utf8'), file).slice(1);
  const out: Row[] = [];
  for (const r of rows) {
    const [block, name, , , , , , , reachable] = r.cells as string[];
    for (const part of block!.split(',')) {
      const text = part.replace(/\[\d+\]/g, '').trim();
      if (text === '::ffff:0:0/96') continue; // mapped addresses are classified as IPv4
      out.push({ prefix: mustParsePrefix(text), cls: classOf(name!, reachable ?? ''), name: name! });
    }
  }
  return out;
}

/** Brute force: the most specific row holding addr; N/A rows take the class around them, else global. */
function expected(rows: Row[], addr: Addr): Scope {
  const holding = rows.filter((r) => r.prefix.contains(addr)).sort((a, b) => b.prefix.bits - a.prefix.bits);
  for (const r of holding) if (r.cls !== null) return r.cls;
  return 'global';
}

const multicast: Row[] = [
  { prefix: mustParsePrefix('224.0.0.0/4'), cls: 'multicast', name: 'multicast' },
  { prefix: mustParsePrefix('ff00::/8'), cls: 'multicast', name: 'multicast' },
];

for (const [family, file] of [
  ['IPv4', 'iana-ipv4-special-registry-1.csv'],
  ['IPv6', 'iana-ipv6-special-registry-1.csv'],
] as const) {
  t.test(`${family} registry: every row's first and last address`, sharedData('iana', file), async (t) => {
    const rows = [...registryRows(dataPath('iana', file)), ...multicast];
    t.ok(rows.length > 20, `${rows.length} rows read`);
    for (const r of rows) {
      for (const a of [r.prefix.addr, r.prefix.last()]) {
        t.equal(scopeOf(a), expected(rows, a), `${a.toString()} in ${r.prefix.toString()} (${r.name})`);
      }
    }
  });
}

t.test('contract examples', async (t) => {
  const rows: Array<[string, Scope]> = [
    ['192.0.0.9', 'global'], // more specific entry wins inside 192.0.0.0/24
    ['192.0.0.1', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this-network'],
    ['::', 'unspecified'],
    ['2001::1', 'reserved'], // TEREDO (N/A) inside 2001::/23
    ['2002::1', 'global'], // 6to4 (N/A), nothing around it
    ['192.88.99.1', 'global'],
    ['100.64.0.1', 'shared'],
    ['fd00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['255.255.255.255', 'broadcast'],
    ['239.1.1.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['198.18.0.1', 'benchmarking'],
    ['3fff::1', 'documentation'],
    ['8.8.8.8', 'global'],
    ['::ffff:10.0.0.1', 'private'], // mapped: classified as the IPv4 address
  ];
  for (const [ip, want] of rows) t.equal(scopeOf(mustParseAddr(ip)), want, ip);
});
