// The audit's formats: byte-identical output for identical input, CSV that reads back to the JSON's destinations, a self-contained HTML file, and the baseline round trip.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT, dataPath, sharedData } from '../helpers/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ipdest-audit-'));
// The project's own config: the shipped snapshot's provider lists, so matches and hosting are filled in.
const C = ['-c', resolve(PROJECT_ROOT, 'config', 'ipdest.yaml')];
const FILES = () => [
  dataPath('sysmon', 'nxlog-flat-eid3.ndjson'),
  dataPath('zeek', 'rita-open_conns-closed-conn.log'),
  dataPath('iptables', 'crowdsec-hub-iptables-logs.log'),
];

/** A small RFC 4180 reader: quoted cells, doubled quotes, CRLF or LF rows, line breaks inside quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

t.test('identical input gives identical bytes, in every format', sharedData('zeek'), async (t) => {
  for (const format of ['text', 'json', 'csv', 'html']) {
    const a = await runCli(['audit', ...C, '--format', format, ...FILES()]);
    const b = await runCli(['audit', ...C, '--format', format, ...FILES()]);
    t.equal(a.code, 0, format);
    t.ok(a.out.length > 100, `${format}: some output`);
    t.equal(a.out, b.out, `${format}: byte-identical`);
  }
});

t.test('--out writes the report to a file, the same bytes as stdout', sharedData('zeek'), async (t) => {
  const out = join(dir, 'r.json');
  const a = await runCli(['audit', ...C, '--format', 'json', '--out', out, ...FILES()]);
  const b = await runCli(['audit', ...C, '--format', 'json', ...FILES()]);
  t.equal(a.code, 0);
  t.equal(a.out, '');
  t.equal(readFileSync(out, 'utf8'), b.out);
});

t.test('the CSV reads back (RFC 4180) to the JSON destinations', sharedData('zeek'), async (t) => {
  const json = JSON.parse((await runCli(['audit', ...C, '--format', 'json', ...FILES()])).out);
  const csv = (await runCli(['audit', ...C, '--format', 'csv', ...FILES()])).out;
  t.ok(csv.endsWith('\r\n'), 'CRLF rows');
  const [head, ...rows] = readCsv(csv);
  t.equal(rows.length, json.destinations.length, 'one row per destination');
  const col = (name: string) => head!.indexOf(name);
  rows.forEach((r, i) => {
    const d = json.destinations[i];
    t.equal(r.length, head!.length, `row ${i}: every column`);
    t.equal(r[col('ip')], d.ip);
    t.equal(r[col('label')], d.label);
    t.equal(r[col('IPDestination')], d.IPDestination ?? '');
    t.equal(Number(r[col('connections')]), d.connections);
    t.same(r[col('ports')] === '' ? [] : r[col('ports')]!.split(' ').map(Number), d.ports);
    t.same(r[col('processes')] === '' ? [] : r[col('processes')]!.split('|'), d.processes);
    t.equal(r[col('first')], d.first ?? '');
    t.equal(r[col('asn')], d.owner?.asn === undefined ? '' : String(d.owner.asn));
  });
  // A process path with a comma is quoted, and reads back whole.
  const odd = join(dir, 'odd.ndjson');
  writeFileSync(odd, JSON.stringify({ DestinationIp: '192.0.2.1', DestinationPort: 443, Image: 'C:\\a "b", c.exe' }) + '\n');
  const r = await runCli(['audit', '-c', '/dev/null', '--format', 'csv', odd]);
  const back = readCsv(r.out);
  t.equal(back[1]![back[0]!.indexOf('processes')], 'C:\\a "b", c.exe');
});

t.test('the sort: untagged and customer external first, then listed, then internal; more connections first; ties by ip', sharedData('zeek'), async (t) => {
  const json = JSON.parse((await runCli(['audit', ...C, '--format', 'json', ...FILES()])).out);
  const order = ['threat', 'untagged', 'customer', 'listed', 'internal'];
  const ds = json.destinations;
  for (let i = 1; i < ds.length; i++) {
    const a = ds[i - 1];
    const b = ds[i];
    const ok =
      order.indexOf(a.attention) < order.indexOf(b.attention) ||
      (a.attention === b.attention && (a.connections > b.connections || (a.connections === b.connections && a.ip < b.ip)));
    if (!ok) t.fail(`${a.ip} before ${b.ip}`);
  }
  t.ok(ds.some((d: any) => d.attention === 'untagged') && ds.some((d: any) => d.attention === 'internal'));
  t.equal(ds[0].attention, 'untagged');
});

t.test('--only untagged keeps the external destinations no list holds; the totals still count everything', sharedData('zeek'), async (t) => {
  const all = JSON.parse((await runCli(['audit', ...C, '--format', 'json', ...FILES()])).out);
  const only = JSON.parse((await runCli(['audit', ...C, '--format', 'json', '--only', 'untagged', ...FILES()])).out);
  t.same(
    only.destinations.map((d: any) => d.ip),
    all.destinations.filter((d: any) => d.external && d.IPDestination === null).map((d: any) => d.ip),
  );
  t.same(only.totals.connections, all.totals.connections);
  t.equal(only.totals.selected, all.totals.untagged);
  const threat = await runCli(['audit', ...C, '--format', 'json', '--only', 'threat', ...FILES()]);
  t.match(threat.err, /--only threat: no list of kind threat is configured.*not applied/);
  t.equal(JSON.parse(threat.out).destinations.length, all.destinations.length);
});

t.test('--since / --until keep the records in the window; records without a time are left out', sharedData('zeek'), async (t) => {
  const f = dataPath('zeek', 'rita-open_conns-closed-conn.log');
  const all = JSON.parse((await runCli(['audit', '-c', '/dev/null', '--format', 'json', f])).out);
  const w = JSON.parse(
    (await runCli(['audit', '-c', '/dev/null', '--format', 'json', '--since', '2018-01-30T18:14:10Z', '--until', '2018-01-30T18:15:00Z', f])).out,
  );
  t.ok(w.totals.selected > 0 && w.totals.selected < all.totals.connections);
  t.equal(w.totals.selected + w.totals.outside, all.totals.connections);
  t.ok(w.input.first >= '2018-01-30T18:14:10' && w.input.last <= '2018-01-30T18:15:00.000Z');
  const bad = await runCli(['audit', '-c', '/dev/null', '--since', 'yesterday', f]);
  t.equal(bad.code, 2);
  t.match(bad.err, /--since/);
});

t.test('exit codes: a missing input is 1 (the others still counted), usage errors 2', async (t) => {
  const good = join(dir, 'good.ndjson');
  writeFileSync(good, '{"DestinationIp":"192.0.2.7","DestinationPort":53}\n');
  const r = await runCli(['audit', '-c', '/dev/null', '--format', 'json', join(dir, 'missing.log'), good]);
  t.equal(r.code, 1);
  t.match(r.err, /cannot read .*missing\.log/);
  t.equal(JSON.parse(r.out).totals.connections, 1);
  t.equal((await runCli(['audit', '-c', '/dev/null', '--format', 'pdf', good])).code, 2);
  t.equal((await runCli(['audit', '-c', '/dev/null', '--top', '0', good])).code, 2);
  t.equal((await runCli(['audit', '-c', '/dev/null'])).code, 2);
});

t.test('a syslog stamp without a year takes --year', sharedData('iptables'), async (t) => {
  const f = dataPath('iptables', 'elastic-beats-iptables.log');
  const r = JSON.parse((await runCli(['audit', '-c', '/dev/null', '--format', 'json', '--year', '2019', f])).out);
  t.match(r.input.first, /^2019-01-08T03:37:09\.000Z$/);
});

t.test('HTML: one self-contained file with its sections; no external asset', sharedData('zeek'), async (t) => {
  const base = join(dir, 'day1-for-html.json');
  await runCli(['audit', ...C, '--format', 'json', '--save-baseline', base, FILES()[1]!]);
  const html = (await runCli(['audit', ...C, '--format', 'html', '--baseline', base, ...FILES()])).out;
  t.match(html, /^<!DOCTYPE html>/);
  for (const id of ['new', 'unexplained', 'charts', 'destinations', 'processes', 'hosts', 'beacons', 'strobes', 'long-connections'])
    t.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  t.ok(
    html.indexOf('id="new"') < html.indexOf('id="destinations"') && html.indexOf('id="unexplained"') < html.indexOf('id="destinations"'),
    'new and unexplained first',
  );
  t.match(html, /<svg /, 'inline SVG charts');
  t.notMatch(html, /https?:\/\//, 'no http:// or https:// reference');
  t.notMatch(html, /<script[^>]*\ssrc/i, 'no <script src');
  t.notMatch(html, /<link/i, 'no <link');
  t.notMatch(html, /<img/i, 'no <img');
});

t.test('baseline round trip: day 1 saved, day 2 compared; `new` is exactly the set difference', sharedData('sysmon'), async (t) => {
  const whole = readFileSync(dataPath('sysmon', 'nxlog-flat-eid3.ndjson'), 'utf8').split('\n').filter(Boolean);
  const day1 = join(dir, 'day1.ndjson');
  writeFileSync(day1, whole.slice(0, 150).join('\n') + '\n');
  const saved = join(dir, 'baseline.json');
  const r1 = await runCli(['audit', ...C, '--format', 'json', '--save-baseline', saved, day1]);
  t.equal(r1.code, 0);
  const baseline = JSON.parse(readFileSync(saved, 'utf8'));
  const one = JSON.parse(r1.out);
  t.same(baseline.destinations, one.destinations.map((d: any) => d.ip).sort());
  const r2 = await runCli(['audit', ...C, '--format', 'json', '--baseline', saved, dataPath('sysmon', 'nxlog-flat-eid3.ndjson')]);
  t.equal(r2.code, 0);
  const two = JSON.parse(r2.out);
  const before = new Set<string>(baseline.destinations);
  const want = two.destinations.map((d: any) => d.ip).filter((ip: string) => !before.has(ip));
  t.ok(want.length > 0, 'day 2 has new destinations');
  t.same(
    two.destinations
      .filter((d: any) => d.new)
      .map((d: any) => d.ip)
      .sort(),
    [...want].sort(),
    'new: true exactly for the difference',
  );
  t.same([...two.new.destinations].sort(), [...want].sort(), 'new.destinations');
  t.same(two.gone.destinations, [], 'day 1 is a subset: nothing gone');
  t.ok(two.destinations.every((d: any) => typeof d.new === 'boolean'));
  // Reversed: what day 2 had and day 1 did not is gone.
  const saved2 = join(dir, 'baseline2.json');
  await runCli(['audit', ...C, '--format', 'json', '--save-baseline', saved2, dataPath('sysmon', 'nxlog-flat-eid3.ndjson')]);
  const rev = JSON.parse((await runCli(['audit', ...C, '--format', 'json', '--baseline', saved2, day1])).out);
  t.same([...rev.gone.destinations].sort(), [...want].sort());
  t.same(rev.new.destinations, []);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"x":1}');
  t.equal((await runCli(['audit', ...C, '--baseline', bad, day1])).code, 2);
});
