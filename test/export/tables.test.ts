// Every table export read back with its target's own matching rule (ClickHouse most specific, Splunk first row in file order, ES the one range holding the address, cidr/nft/ipset membership) agrees with the classifier.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { AddrParseError } from '../../src/net/index.js';
import { buildExport, exportSource, isUnlisted, writeOutput, type ExportFormat, type ExportSource } from '../../src/export/index.js';
import type { ListSet } from '../../src/lists/index.js';
import { boundaries, handLists, randomAddresses, realLists } from '../helpers/export-probes.js';
import { sharedData } from '../helpers/shared-data.js';
import { runCli } from '../helpers/cli.js';

/** An address as (family, integer), parsed by ipaddr.js: independent of the code under test. */
function position(ip: string): { v: 4 | 6; n: bigint } {
  let a = ipaddr.parse(ip);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  let n = 0n;
  for (const b of a.toByteArray()) n = (n << 8n) | BigInt(b);
  return { v: a.kind() === 'ipv4' ? 4 : 6, n };
}

/** Rows by family and length, keyed by network: the probes a most-specific or first-match reader makes. */
class CidrIndex<T> {
  readonly #by = new Map<string, Map<bigint, { row: T; order: number }>>();
  #order = 0;
  add(cidr: string, row: T): void {
    const [addr, bits] = ipaddr.parseCIDR(cidr);
    const { v, n } = position(addr.toString());
    const key = `${v}/${bits}`;
    if (!this.#by.has(key)) this.#by.set(key, new Map());
    const m = this.#by.get(key)!;
    if (m.has(n)) throw new Error(`the row ${cidr} is written twice`);
    m.set(n, { row, order: this.#order++ });
  }
  /** Every row holding ip, each with its file order and length. */
  holding(ip: string): Array<{ row: T; order: number; bits: number }> {
    const { v, n } = position(ip);
    const width = v === 4 ? 32 : 128;
    const out = [];
    for (let bits = width; bits >= 0; bits--) {
      const m = this.#by.get(`${v}/${bits}`);
      if (!m) continue;
      const net = bits === 0 ? 0n : (n >> BigInt(width - bits)) << BigInt(width - bits);
      const hit = m.get(net);
      if (hit) out.push({ ...hit, bits });
    }
    return out;
  }
}

interface Answer {
  label: string;
  tag: string;
  list: string;
}

/** Compares a reader's answer (null: no row) with the classifier on every probe. */
function agree(t: Test, src: ExportSource, ips: readonly string[], read: (ip: string) => Answer | null, what: string, opts: { tagOnly?: boolean } = {}): void {
  const bad: string[] = [];
  for (const ip of ips) {
    const c = src.classifier.lookup(ip);
    if (c instanceof AddrParseError) continue;
    const got = read(ip);
    const set = c.set;
    let want: Answer | null;
    if (opts.tagOnly) want = set.tag === null ? null : { label: set.tag, tag: set.tag, list: '' };
    else want = isUnlisted(set) ? null : { label: set.label, tag: set.tag ?? '', list: set.matches[0]?.list ?? '' };
    // A row that says "Unlisted" (a hole inside a wider row) is the same as no row.
    const norm = (a: Answer | null) => (a === null || (a.label === 'Unlisted' && a.tag === '') ? null : opts.tagOnly ? { ...a, list: '' } : a);
    if (JSON.stringify(norm(got)) !== JSON.stringify(norm(want)) && bad.length < 10)
      bad.push(`${ip}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  t.same(bad, [], `${what}: ${ips.length} addresses agree with the classifier`);
}

async function exported(set: ListSet, format: ExportFormat): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-export-'));
  const out = join(dir, format === 'logstash-cidr' ? 'cidr' : `ipdest.${format}`);
  const { output } = buildExport(set, format, { out });
  await writeOutput(output, out);
  return out;
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));

/** A CSV line split by RFC 4180 (no line breaks inside fields in these files). */
function csvCells(line: string): string[] {
  const out: string[] = [];
  const re = /("((?:[^"]|"")*)"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) {
    out.push(m[2] !== undefined ? m[2].replace(/""/g, '"') : m[1]!);
    if (m[3] === '') break;
  }
  return out;
}

async function checkAll(t: Test, set: ListSet, ips: (src: ExportSource) => string[]): Promise<void> {
  const src = exportSource(set);
  const probes = ips(src);

  t.test('clickhouse: ip_trie takes the most specific prefix', async (t) => {
    const file = await exported(set, 'clickhouse');
    const [header, ...rows] = lines(file);
    t.equal(header, 'prefix\tlabel\ttag\tlist\tlist_prefix\tservices\tregions\thosting\tscope\ttags');
    const idx = new CidrIndex<string[]>();
    for (const r of rows) idx.add(r.split('\t')[0]!, r.split('\t'));
    agree(
      t,
      src,
      probes,
      (ip) => {
        const hit = idx.holding(ip)[0];
        return hit ? { label: hit.row[1]!, tag: hit.row[2]!, list: hit.row[3]! } : null;
      },
      'clickhouse',
    );
    t.match(readFileSync(file + '.sql', 'utf8'), /LAYOUT\(IP_TRIE\)/);
    t.match(readFileSync(file + '.sql', 'utf8'), new RegExp(`path '${file}'`));
  });

  t.test('splunk: CIDR(network) with max_matches = 1 takes the first row in file order', async (t) => {
    const file = await exported(set, 'splunk');
    const [header, ...rows] = lines(file);
    t.equal(header, 'network,label,tag,list,list_prefix,services,regions,hosting,scope,tags');
    const idx = new CidrIndex<string[]>();
    for (const r of rows) idx.add(csvCells(r)[0]!, csvCells(r));
    agree(
      t,
      src,
      probes,
      (ip) => {
        const hits = idx.holding(ip).sort((a, b) => a.order - b.order);
        const first = hits[0];
        return first ? { label: first.row[1]!, tag: first.row[2]!, list: first.row[3]! } : null;
      },
      'splunk',
    );
    t.match(readFileSync(file + '.transforms.conf', 'utf8'), /match_type = CIDR\(network\)\nmax_matches = 1/);
  });

  t.test('elasticsearch: ranges never overlap; the one holding the address answers', async (t) => {
    const file = await exported(set, 'elasticsearch');
    const body = lines(file);
    t.equal(body.length % 2, 0, 'action and document lines in pairs');
    const ranges: Array<{ v: 4 | 6; s: bigint; e: bigint; doc: Record<string, string> }> = [];
    const action = JSON.stringify({ index: { _index: 'ipdest' } });
    t.equal(body.filter((l, i) => i % 2 === 0 && l !== action).length, 0, 'every other line is the index action');
    for (let i = 0; i < body.length; i += 2) {
      const doc = JSON.parse(body[i + 1]!);
      const s = position(doc.range.gte);
      ranges.push({ v: s.v, s: s.n, e: position(doc.range.lte).n, doc });
    }
    ranges.sort((a, b) => a.v - b.v || (a.s < b.s ? -1 : 1));
    let overlaps = 0;
    for (let i = 1; i < ranges.length; i++) if (ranges[i]!.v === ranges[i - 1]!.v && ranges[i]!.s <= ranges[i - 1]!.e) overlaps++;
    t.equal(overlaps, 0, 'no two ranges overlap');
    agree(
      t,
      src,
      probes,
      (ip) => {
        const { v, n } = position(ip);
        let lo = 0;
        let hi = ranges.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const r = ranges[mid]!;
          if (r.v < v || (r.v === v && r.e < n)) lo = mid + 1;
          else if (r.v > v || r.s > n) hi = mid - 1;
          else return { label: r.doc['label']!, tag: r.doc['tag'] ?? '', list: r.doc['list'] ?? '' };
        }
        return null;
      },
      'elasticsearch',
    );
    t.match(JSON.parse(readFileSync(file + '.mapping.json', 'utf8')), { mappings: { properties: { range: { type: 'ip_range' } } } });
    t.match(JSON.parse(readFileSync(file + '.policy.json', 'utf8')), { range: { match_field: 'range' } });
  });

  t.test('graylog-csv and logstash-translate: disjoint blocks, one row at most per address', async (t) => {
    for (const format of ['graylog-csv', 'logstash-translate'] as const) {
      const file = await exported(set, format);
      const idx = new CidrIndex<Answer>();
      const rows = lines(file);
      let lastNet = '';
      for (const r of format === 'graylog-csv' ? rows.slice(1) : rows) {
        if (format === 'graylog-csv') {
          const c = csvCells(r);
          idx.add(c[0]!, { label: c[1]!, tag: c[2]!, list: c[3]! });
        } else {
          const [k, v] = [JSON.parse(r.slice(0, r.indexOf('": ') + 1)), JSON.parse(JSON.parse(r.slice(r.indexOf('": ') + 3)))];
          // The Java spelling of an IPv6 key is the same network again, on the next line: keep one.
          const [a, bits] = ipaddr.parseCIDR(k);
          const net = `${position(a.toString()).n}/${bits}`;
          if (net === lastNet) continue;
          lastNet = net;
          idx.add(k, { label: v.label, tag: v.tag ?? '', list: v.list ?? '' });
        }
      }
      let multi = 0;
      agree(
        t,
        src,
        probes,
        (ip) => {
          const hits = idx.holding(ip);
          if (hits.length > 1) multi++;
          return hits[0]?.row ?? null;
        },
        format,
      );
      t.equal(multi, 0, `${format}: no address in two rows`);
    }
  });

  t.test('logstash-cidr, nftables, ipset: the set of a tag holds exactly the addresses with that IPDestination', async (t) => {
    const folder = await exported(set, 'logstash-cidr');
    const cidr = new CidrIndex<Answer>();
    for (const f of readdirSync(folder))
      for (const l of lines(join(folder, f))) cidr.add(l, { label: f.replace(/\.txt$/, ''), tag: f.replace(/\.txt$/, ''), list: '' });
    agree(t, src, probes, (ip) => cidr.holding(ip)[0]?.row ?? null, 'logstash-cidr', { tagOnly: true });

    const nft = readFileSync(await exported(set, 'nftables'), 'utf8');
    const nidx = new CidrIndex<Answer>();
    const tagOf = new Map(src.lists.map((l) => [l.tag.toLowerCase(), l.tag]));
    for (const m of nft.matchAll(/define ipdest_(\w+)_v[46] = \{\n([^}]*)\}/g)) {
      const tag = tagOf.get(m[1]!)!;
      for (const e of m[2]!.split(',')) nidx.add(e.trim(), { label: tag, tag, list: '' });
    }
    t.match(nft, /table inet ipdest \{\n {2}set ipdest_\w+_v4 \{\n {4}type ipv4_addr\n {4}flags interval/);
    agree(t, src, probes, (ip) => nidx.holding(ip)[0]?.row ?? null, 'nftables', { tagOnly: true });

    const ipset = lines(await exported(set, 'ipset'));
    const iidx = new CidrIndex<Answer>();
    for (const l of ipset) {
      const m = /^add ipdest-(.+)-v[46] (\S+)$/.exec(l);
      if (m) iidx.add(m[2]!, { label: tagOf.get(m[1]!)!, tag: tagOf.get(m[1]!)!, list: '' });
      else if (!/^(create ipdest-\S+ hash:net family inet6? maxelem \d+ -exist|flush ipdest-\S+)$/.test(l)) t.fail(`not an ipset line: ${l}`);
    }
    agree(t, src, probes, (ip) => iidx.holding(ip)[0]?.row ?? null, 'ipset', { tagOnly: true });
  });
}

const NESTED = handLists([
  { name: 'outer', tag: 'Outer', entries: ['10.0.0.0/8', '20.0.0.0/8', '2001:db8::/32', '2600::/12', '192.0.0.0/24'] },
  {
    name: 'inner',
    tag: 'Inner',
    entries: [['20.1.0.0/16', ['svc'], ['west']], '20.1.2.0/24', '2600:1::/32', ['2600:1:2::/48', ['a,b', 'c"d'], []], '2600:1:2:3::1/128'],
  },
  { name: 'cloud', tag: 'Cloud', format: 'aws-ip-ranges', entries: [['20.1.2.128/25', ['EC2'], ['us-east-1']], '0.0.0.0/1', '8000::/1'] },
  { name: 'edge', tag: 'Edge', entries: ['255.255.255.255/32', '0.0.0.0/32', '20.1.2.3/32', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', '::1/128'] },
]);

t.test('hand-made nested lists (a hole of unlisted space inside a row, quotes and commas in services)', async (t) => {
  // 192.0.0.9/32 is global inside the reserved 192.0.0.0/24, which the outer list holds.
  await checkAll(t, NESTED, (src) => [...boundaries(src, { mapped: true }), ...randomAddresses(src, 3000)]);
});

t.test('the real lists at the boundaries of a sample of their prefixes and 20k random addresses', sharedData('azure'), async (t) => {
  const set = await realLists();
  // Every boundary of the real lists (~260k addresses) through nine readers took two minutes alone
  // and past the file limit on a busy machine; an even sample of 40k keeps every kind of prefix
  // (the MMDB test still reads every boundary).
  const sampled = (all: string[]) => all.filter((_, i) => i % Math.max(1, Math.ceil(all.length / 40_000)) === 0);
  await checkAll(t, set, (src) => [...sampled(boundaries(src)), ...randomAddresses(src, 20_000)]);
});

t.test('the command: formats, usage errors, no file put over a folder, same bytes twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-export-cli-'));
  mkdirSync(join(dir, 'lists'));
  writeFileSync(join(dir, 'lists', 'a.txt'), '20.0.0.0/8\n20.1.0.0/16\n2600::/12\n');
  writeFileSync(join(dir, 'ipdest.yaml'), 'lists:\n  - { name: a, tag: Alpha, format: text, path: lists/a.txt }\n');
  const config = join(dir, 'ipdest.yaml');
  const ok = await runCli(['export', '--config', config, '--format', 'mmdb', '--out', join(dir, 'a.mmdb')]);
  t.equal(ok.code, 0, ok.err);
  t.match(ok.err, /export mmdb: \d+ IPv4 and \d+ IPv6 blocks, \d+ bytes, \d+ ms/);
  const again = await runCli(['export', '--config', config, '--format', 'mmdb', '--out', join(dir, 'b.mmdb')]);
  t.equal(again.code, 0);
  t.ok(readFileSync(join(dir, 'a.mmdb')).equals(readFileSync(join(dir, 'b.mmdb'))), 'the same bytes');
  t.equal((await runCli(['export', '--config', config, '--format', 'mmdb', '--out', dir])).code, 2, 'a folder is not replaced by a file');
  t.equal(
    (await runCli(['export', '--config', config, '--format', 'logstash-cidr', '--out', join(dir, 'a.mmdb')])).code,
    2,
    'a file is not replaced by a folder',
  );
  t.equal((await runCli(['export', '--config', config, '--format', 'nope', '--out', join(dir, 'x')])).code, 2);
  t.equal((await runCli(['export', '--config', config, '--format', 'mmdb'])).code, 2, '--out is required');
  t.equal((await runCli(['export', '--config', config, '--format', 'mmdb', '--out', join(dir, 'x'), '--lists', 'zzz'])).code, 2, 'an unknown list');
  t.equal(
    (await runCli(['export', '--config', config, '--format', 'splunk', '--out', join(dir, 'x'), '--compat', 'logstash'])).code,
    2,
    '--compat is for mmdb',
  );
  t.equal((await runCli(['export', '--config', config, '--format', 'mmdb', '--out', join(dir, 'no', 'such', 'x')])).code, 1, 'an unwritable path');
  const cidr = await runCli(['export', '--config', config, '--format', 'logstash-cidr', '--out', join(dir, 'cidr'), '--tags', 'alpha']);
  t.equal(cidr.code, 0, cidr.err);
  t.same(readdirSync(join(dir, 'cidr')), ['Alpha.txt']);
  const again2 = await runCli(['export', '--config', config, '--format', 'logstash-cidr', '--out', join(dir, 'cidr'), '--lists', 'a,private']);
  t.equal(again2.code, 0, 'a folder export replaces its folder');
  t.same(readdirSync(join(dir, 'cidr')).sort(), ['Alpha.txt', 'Private.txt']);
  t.same(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});
