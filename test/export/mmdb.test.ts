// The MaxMind DB export read back by independent readers (mmdb-lib; Python maxminddb and mmdblookup where installed): every address answers as the classifier does.
import t, { type Test } from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { AddrParseError, mustParsePrefix } from '../../src/net/index.js';
import { exportSource, isUnlisted, writeMmdb, type ExportSource, type MmdbOptions } from '../../src/export/index.js';
import { boundaries, handLists, inIpv4Space, randomAddresses, realLists } from '../helpers/export-probes.js';
import { sharedData } from '../helpers/shared-data.js';

interface Rec {
  label: string;
  tag?: string;
  scope: string;
  tags: string[];
  list?: string;
  prefix?: string;
  services?: string[];
  regions?: string[];
  hosting?: string;
  matches?: Array<{ list: string; tag: string; prefix?: string; services?: string[]; hosting?: string }>;
  autonomous_system_organization?: string;
}

/** What the reader says differs from the classifier, or null. The network must sit inside the classifier's most specific list prefix. */
function disagreement(src: ExportSource, reader: Reader<Response>, ip: string, opts: MmdbOptions = {}): string | null {
  const c = src.classifier.lookup(ip);
  if (c instanceof AddrParseError) return `${ip}: not an address`;
  const [got, len] = reader.getWithPrefixLength(ip) as [Rec | null, number];
  const set = c.set;
  if (isUnlisted(set)) return got === null ? null : `${ip}: want no record, got ${JSON.stringify(got)}`;
  if (got === null) return `${ip}: want ${set.label}, got no record`;
  const m = set.matches[0];
  const want: Rec = { label: set.label, ...(set.tag !== null ? { tag: set.tag } : {}), scope: set.scope, tags: [...set.tags] };
  if (m) {
    want.list = m.list;
    if (opts.prefixes) want.prefix = m.prefix;
    if (m.services.length) want.services = [...m.services];
    if (m.regions.length) want.regions = [...m.regions];
    if (m.hosting) want.hosting = m.hosting;
  }
  const { matches, autonomous_system_organization, ...flat } = got;
  if (JSON.stringify(flat) !== JSON.stringify(want)) return `${ip}: want ${JSON.stringify(want)}, got ${JSON.stringify(flat)}`;
  if (opts.compat === 'logstash' && autonomous_system_organization !== set.label)
    return `${ip}: autonomous_system_organization ${autonomous_system_organization}`;
  if (set.matches.length > 1 && JSON.stringify((matches ?? []).map((x) => x.list)) !== JSON.stringify(set.matches.map((x) => x.list)))
    return `${ip}: matches ${JSON.stringify(matches)}`;
  if (m) {
    // mmdb-lib gives an IPv4-mapped query the IPv6 tree depth (96 + the IPv4 length).
    const bits = c.version === 4 && ip.includes(':') ? len - 96 : len;
    const listed = mustParsePrefix(m.prefix);
    if (bits < listed.bits) return `${ip}: the network /${bits} is wider than the list's ${m.prefix}`;
  }
  return null;
}

function check(t: Test, src: ExportSource, bytes: Buffer, ips: string[], opts: MmdbOptions = {}): void {
  const reader = new Reader<Response>(bytes);
  const bad: string[] = [];
  let n = 0;
  for (const ip of ips) {
    if (inIpv4Space(ip)) continue;
    n++;
    const d = disagreement(src, reader, ip, opts);
    if (d !== null && bad.length < 20) bad.push(d);
  }
  t.same(bad, [], `${n} addresses read back as the classifier answers`);
}

const NESTED = handLists([
  { name: 'outer', tag: 'Outer', entries: ['10.0.0.0/8', '20.0.0.0/8', '2001:db8::/32', '2600::/12'] },
  {
    name: 'inner',
    tag: 'Inner',
    entries: [['20.1.0.0/16', ['svc'], ['west']], '20.1.2.0/24', '2600:1::/32', ['2600:1:2::/48', ['a', 'b'], []], '2600:1:2:3::1/128'],
  },
  { name: 'cloud', tag: 'Cloud', format: 'aws-ip-ranges', entries: [['20.1.2.128/25', ['EC2'], ['us-east-1']], '0.0.0.0/1', '8000::/1'] },
  { name: 'edge', tag: 'Edge', entries: ['255.255.255.255/32', '0.0.0.0/32', '20.1.2.3/32', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'] },
]);

t.test('hand-made nested lists, IPv4 and IPv6, at every boundary and in between', async (t) => {
  const src = exportSource(NESTED);
  const { bytes, stats } = writeMmdb(src);
  const ips = [...boundaries(src, { mapped: true }), ...randomAddresses(src, 3000)];
  check(t, src, bytes, ips);
  const reader = new Reader<Response>(bytes);
  t.equal(reader.metadata.ipVersion, 6);
  t.equal(reader.metadata.databaseType, 'ipdest');
  t.equal(reader.metadata.binaryFormatMajorVersion, 2);
  t.equal(reader.metadata.recordSize, 24, 'a small tree takes 24-bit records');
  t.equal(reader.metadata.nodeCount, stats.nodeCount);
  t.equal(reader.metadata.buildEpoch.toISOString(), '2025-01-02T03:04:05.000Z', "build_epoch is the lists' publication date, not the clock");
  // The more specific list wins inside; the outer one answers around it.
  t.match(reader.get('20.1.2.200'), { tag: 'Cloud', list: 'cloud', services: ['EC2'], regions: ['us-east-1'] });
  t.match(reader.get('20.1.2.3'), { tag: 'Edge' });
  t.match(reader.get('20.1.3.1'), { tag: 'Inner', services: ['svc'] });
  t.match(reader.getWithPrefixLength('20.1.3.1'), [{ tag: 'Inner' }, 24], 'the network is the largest block of one answer, inside the list prefix');
  t.match(reader.get('::ffff:20.1.2.200'), { tag: 'Cloud' }, 'IPv4-mapped finds the IPv4 answer');
  t.match(reader.get('192.168.1.1'), { label: 'Private', list: 'private', scope: 'private' }, 'built-in lists are exported');
  t.match(reader.get('192.0.2.1'), { label: 'documentation', scope: 'documentation', tags: [] }, 'special-purpose networks answer with their scope');
  t.equal(reader.get('2002::1'), null, 'a global address no list holds has no record');
});

t.test('more than one list holding an address: matches in classifier order; prefixes on request', async (t) => {
  const src = exportSource(NESTED);
  const opts = { prefixes: true };
  const { bytes } = writeMmdb(src, opts);
  check(t, src, bytes, boundaries(src, { mapped: true }), opts);
  const reader = new Reader<Response>(bytes);
  t.match(reader.get('20.1.2.200'), {
    prefix: '20.1.2.128/25',
    matches: [
      { list: 'cloud', prefix: '20.1.2.128/25' },
      { list: 'inner', prefix: '20.1.2.0/24' },
      { list: 'outer', prefix: '20.0.0.0/8' },
    ],
  });
});

t.test('the same lists give the same bytes', async (t) => {
  const a = writeMmdb(exportSource(NESTED)).bytes;
  const b = writeMmdb(exportSource(NESTED)).bytes;
  t.ok(a.equals(b));
  t.equal(new Reader<Response>(writeMmdb(exportSource(NESTED), { buildEpoch: 1 }).bytes).metadata.buildEpoch.getTime(), 1000, 'a fixed build_epoch');
});

t.test('--compat logstash: an ASN database type with the label as the organization', async (t) => {
  const src = exportSource(NESTED);
  const opts = { compat: 'logstash' as const };
  const { bytes } = writeMmdb(src, opts);
  const reader = new Reader<Response>(bytes);
  // Logstash's geoip filter looks for "GeoLite2-ASN" in the type; Elasticsearch's for the suffix "-ASN".
  t.equal(reader.metadata.databaseType, 'ipdest-GeoLite2-ASN');
  t.ok(reader.metadata.databaseType.includes('GeoLite2-ASN') && reader.metadata.databaseType.endsWith('-ASN'));
  t.match(reader.get('20.1.2.200'), { autonomous_system_organization: 'Cloud', tag: 'Cloud' });
  t.match(reader.get('10.9.9.9'), { autonomous_system_organization: 'Outer' });
  t.notOk('autonomous_system_number' in (reader.get('10.9.9.9') as object), 'no number: the readers then leave asn out');
  check(t, src, bytes, boundaries(src), opts);
});

t.test('selection: --lists and --tags rebuild the answers from the chosen lists', async (t) => {
  const src = exportSource(NESTED, { lists: ['outer', 'private'] });
  const { bytes } = writeMmdb(src);
  const reader = new Reader<Response>(bytes);
  t.match(reader.get('20.1.2.200'), { tag: 'Outer' });
  t.match(reader.get('10.1.1.1'), { tag: 'Outer', matches: [{ list: 'outer' }, { list: 'private' }] });
  t.equal(reader.get('127.0.0.1') && (reader.get('127.0.0.1') as Rec).list, undefined, 'loopback not chosen: only its scope');
  check(t, src, bytes, boundaries(src));
  const byTag = exportSource(NESTED, { tags: ['inner'] });
  t.same(
    byTag.lists.map((l) => l.name),
    ['inner'],
  );
  t.throws(() => exportSource(NESTED, { lists: ['nope'] }), /no list named nope/);
  t.throws(() => exportSource(NESTED, { tags: ['Nope'] }), /no list has the tag Nope/);
});

t.test('the real lists: every boundary and 50k random addresses', sharedData('azure'), async (t) => {
  const set = await realLists();
  const src = exportSource(set);
  const started = performance.now();
  const { bytes, stats } = writeMmdb(src);
  t.comment(`real lists: ${bytes.length} bytes, ${stats.nodeCount} nodes, ${stats.records} records, ${Math.round(performance.now() - started)} ms`);
  const ips = [...boundaries(src, { mapped: true }), ...randomAddresses(src, 50_000)];
  check(t, src, bytes, ips);
  t.ok(writeMmdb(exportSource(set)).bytes.equals(bytes), 'twice: the same bytes');
  t.test('python maxminddb and mmdblookup read it the same', async (t) => {
    const have = readersInstalled();
    const dir = mkdtempSync(join(tmpdir(), 'ipdest-mmdb-'));
    const file = join(dir, 'real.mmdb');
    writeFileSync(file, bytes);
    const reader = new Reader<Response>(bytes);
    const sample = ips.filter((ip, i) => i % 25 === 0 && !inIpv4Space(ip));
    t.test('python3 maxminddb', { skip: have.python ? false : have.why }, async (t) => {
      writeFileSync(join(dir, 'ips.txt'), sample.join('\n'));
      const script = [
        'import json, sys, maxminddb',
        'r = maxminddb.open_database(sys.argv[1], maxminddb.MODE_MEMORY)',
        'for ip in open(sys.argv[2]).read().split():',
        '    rec, n = r.get_with_prefix_len(ip)',
        '    print(json.dumps([rec, n]))',
      ].join('\n');
      const out = execFileSync(have.python!, ['-c', script, file, join(dir, 'ips.txt')], { encoding: 'utf8', maxBuffer: 1 << 28 })
        .trim()
        .split('\n');
      const bad = sample.filter((ip, i) => JSON.stringify(JSON.parse(out[i]!)) !== JSON.stringify(reader.getWithPrefixLength(ip)));
      t.same(bad.slice(0, 10), [], `${sample.length} addresses: python maxminddb agrees with mmdb-lib`);
    });
    t.test('mmdblookup', { skip: have.mmdblookup ? false : have.why }, async (t) => {
      const res = spawnSync('mmdblookup', ['--file', file, '--ip', '13.107.4.50', 'label'], { encoding: 'utf8' });
      t.equal(res.status, 0, res.stderr);
      t.match(res.stdout, /"Microsoft"/);
      const none = spawnSync('mmdblookup', ['--file', file, '--ip', '2002::1'], { encoding: 'utf8' });
      t.match(none.stdout + none.stderr, /Could not find an entry/);
    });
  });
});

/** Which optional readers are here; with IPDEST_TEST_INSTALL=1 they are installed first (Debian packages). */
function readersInstalled(): { python: string | null; mmdblookup: boolean; why: string } {
  // The Debian package goes to the system Python, which need not be the first python3 on PATH (pyenv).
  const probe = () => ({
    python: ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import maxminddb']).status === 0) ?? null,
    mmdblookup: spawnSync('mmdblookup', ['--version']).status === 0,
  });
  let have = probe();
  if ((!have.python || !have.mmdblookup) && process.env['IPDEST_TEST_INSTALL'] === '1') {
    spawnSync('apt-get', ['install', '-y', 'python3-maxminddb', 'mmdb-bin'], { stdio: 'ignore' });
    have = probe();
  }
  return { ...have, why: 'not installed (IPDEST_TEST_INSTALL=1 installs python3-maxminddb and mmdb-bin with apt-get)' };
}
