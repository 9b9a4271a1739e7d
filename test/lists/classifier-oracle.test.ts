// The classifier against a brute-force oracle on the real lists of ../shared/data, at every prefix boundary.
import t from 'tap';
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { loadLists } from '../../src/lists/index.js';
import { AddrParseError, scopeOf, mustParseAddr } from '../../src/net/index.js';
import { dataPath, sharedData, SHARED_DATA } from '../helpers/shared-data.js';

/**
 * The oracle reads the raw files itself (JSON.parse + ipaddr.js parseCIDR) and keeps, per list,
 * one hash map per prefix length: a probe masks the address to each length present, longest
 * first. No code is shared with the trie or the list parsers.
 */
interface OracleEntry {
  prefix: string;
  bits: number;
  services: Set<string>;
  regions: Set<string>;
}
interface OracleList {
  name: string;
  tag: string;
  v4: Map<number, Map<bigint, OracleEntry>>;
  v6: Map<number, Map<bigint, OracleEntry>>;
}

function toBig(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let v = 0n;
  for (const b of addr.toByteArray()) v = (v << 8n) | BigInt(b);
  return v;
}

function mask(v: bigint, bits: number, width: number): bigint {
  return bits === 0 ? 0n : (v >> BigInt(width - bits)) << BigInt(width - bits);
}

function oracleList(name: string, tag: string, rows: Array<[string, string?, string?]>): OracleList {
  const list: OracleList = { name, tag, v4: new Map(), v6: new Map() };
  for (const [cidr, service, region] of rows) {
    let [addr, bits] = ipaddr.parseCIDR(cidr.trim());
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
      addr = (addr as ipaddr.IPv6).toIPv4Address();
      bits -= 96;
    }
    const width = addr.kind() === 'ipv4' ? 32 : 128;
    const net = mask(toBig(addr), bits, width);
    const byLen = addr.kind() === 'ipv4' ? list.v4 : list.v6;
    if (!byLen.has(bits)) byLen.set(bits, new Map());
    const m = byLen.get(bits)!;
    let e = m.get(net);
    if (!e) {
      const text =
        width === 32 ? ipaddr.fromByteArray(bigBytes(net, 4)).toString() : (ipaddr.fromByteArray(bigBytes(net, 16)) as ipaddr.IPv6).toRFC5952String();
      e = { prefix: `${text}/${bits}`, bits, services: new Set(), regions: new Set() };
      m.set(net, e);
    }
    if (service) e.services.add(service);
    if (region) e.regions.add(region);
  }
  return list;
}

function bigBytes(v: bigint, n: number): number[] {
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 255n));
  return out;
}

function oracleMatches(lists: OracleList[], addr: ipaddr.IPv4 | ipaddr.IPv6) {
  const width = addr.kind() === 'ipv4' ? 32 : 128;
  const v = toBig(addr);
  const found: Array<{ order: number; list: string; tag: string; e: OracleEntry }> = [];
  lists.forEach((l, order) => {
    const byLen = width === 32 ? l.v4 : l.v6;
    const lengths = [...byLen.keys()].sort((a, b) => b - a);
    for (const bits of lengths) {
      const e = byLen.get(bits)!.get(mask(v, bits, width));
      if (e) {
        found.push({ order, list: l.name, tag: l.tag, e });
        break;
      }
    }
  });
  found.sort((a, b) => b.e.bits - a.e.bits || a.order - b.order);
  return found.map((f) => ({ list: f.list, tag: f.tag, prefix: f.e.prefix, services: [...f.e.services].sort(), regions: [...f.e.regions].sort() }));
}

const AZURE = 'azure/ServiceTags_Public_20251028.json';
const json = (p: string) => JSON.parse(readFileSync(dataPath(p), 'utf8'));

t.test('real lists: zero disagreements at every prefix boundary and on random addresses', sharedData(AZURE), async (t) => {
  const set = await loadLists(
    [
      { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'azure/ServiceTags_Public_*.json' },
      { name: 'microsoft', tag: 'Microsoft', format: 'msft-public-ip-csv', path: 'microsoft/msft-public-ips.csv' },
      { name: 'aws', tag: 'AWS', format: 'aws-ip-ranges', path: 'aws/ip-ranges.json' },
      { name: 'google', tag: 'Google', format: 'google-ip-ranges', path: 'google/goog.json' },
      { name: 'google-cloud', tag: 'GoogleCloud', format: 'google-ip-ranges', path: 'google/cloud.json' },
    ],
    { baseDir: SHARED_DATA },
  );
  t.ok(set.ok, 'every list loaded');
  t.equal(set.lists[0]!.file, dataPath(AZURE), 'the glob picked the newest Azure file');

  const azure = json(AZURE).values.flatMap((v: any) => v.properties.addressPrefixes.map((p: string) => [p, v.name, v.properties.region || undefined]));
  const msft = readFileSync(dataPath('microsoft/msft-public-ips.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => [l.split(',')[0]!]);
  const aws = json('aws/ip-ranges.json');
  const awsRows = [
    ...aws.prefixes.map((p: any) => [p.ip_prefix, p.service, p.region]),
    ...aws.ipv6_prefixes.map((p: any) => [p.ipv6_prefix, p.service, p.region]),
  ];
  const googRows = json('google/goog.json').prefixes.map((p: any) => [p.ipv4Prefix ?? p.ipv6Prefix]);
  const cloudRows = json('google/cloud.json').prefixes.map((p: any) => [p.ipv4Prefix ?? p.ipv6Prefix, p.service, p.scope]);
  const oracle = [
    oracleList('azure', 'Microsoft', azure),
    oracleList('microsoft', 'Microsoft', msft as any),
    oracleList('aws', 'AWS', awsRows),
    oracleList('google', 'Google', googRows),
    oracleList('google-cloud', 'GoogleCloud', cloudRows),
    oracleList('private', 'Private', [['10.0.0.0/8'], ['172.16.0.0/12'], ['192.168.0.0/16']]),
    oracleList('unique-local', 'Private', [['fc00::/7']]),
    oracleList('loopback', 'Loopback', [['127.0.0.0/8'], ['::1/128']]),
    oracleList('link-local', 'LinkLocal', [['169.254.0.0/16'], ['fe80::/10']]),
    oracleList('shared', 'Private', [['100.64.0.0/10']]),
    oracleList('multicast', 'Multicast', [['224.0.0.0/4'], ['ff00::/8']]),
  ];

  // Probes: first, last, one below and one above every prefix, plus seeded random addresses.
  const probes = new Set<string>();
  const addBig = (v: bigint, width: number) => {
    if (v < 0n || v >= 1n << BigInt(width)) return;
    const a = ipaddr.fromByteArray(bigBytes(v, width / 8));
    probes.add(width === 32 ? a.toString() : (a as ipaddr.IPv6).toRFC5952String());
  };
  for (const l of oracle) {
    for (const [width, byLen] of [
      [32, l.v4],
      [128, l.v6],
    ] as const) {
      for (const [bits, m] of byLen) {
        for (const net of m.keys()) {
          const last = net + (1n << BigInt(width - bits)) - 1n;
          addBig(net, width);
          addBig(last, width);
          addBig(net - 1n, width);
          addBig(last + 1n, width);
        }
      }
    }
  }
  let seed = 42;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 20000; i++) addBig(BigInt(rnd()), 32);
  for (let i = 0; i < 5000; i++) addBig(((0x2000n + BigInt(rnd() & 0x1fff)) << 112n) | (BigInt(rnd()) << 64n) | BigInt(rnd()), 128);

  let disagreements = 0;
  const examples: string[] = [];
  for (const ip of probes) {
    const got = set.classifier.lookup(ip);
    if (got instanceof AddrParseError) {
      disagreements++;
      examples.push(`${ip}: ${got.message}`);
      continue;
    }
    const want = oracleMatches(oracle, ipaddr.parse(ip));
    const have = got.set.matches.map((m) => ({ list: m.list, tag: m.tag, prefix: m.prefix, services: [...m.services].sort(), regions: [...m.regions].sort() }));
    const wantTag = want[0]?.tag ?? null;
    const wantScope = scopeOf(mustParseAddr(ip));
    if (
      JSON.stringify(have) !== JSON.stringify(want) ||
      got.set.tag !== wantTag ||
      got.set.scope !== wantScope ||
      got.set.external !== (wantScope === 'global')
    ) {
      disagreements++;
      if (examples.length < 5) examples.push(`${ip}: got ${JSON.stringify(have)} want ${JSON.stringify(want)}`);
    }
  }
  t.ok(probes.size > 150000, `${probes.size} probe addresses`);
  t.equal(disagreements, 0, `no disagreements${examples.length ? ': ' + examples.join('; ') : ''}`);
});
