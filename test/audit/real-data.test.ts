// Every real Sysmon, iptables and Zeek file through `ipdest audit --format json`: totals and per-destination counts equal a count made here from the raw records.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

const C = ['-c', '/dev/null']; // built-in lists only: fast, and the counts do not depend on lists

/** The address as ipdest writes it: IPv6 through the WHATWG URL parser (RFC 5952 compressed), an independent canonicaliser. */
function canonical(ip: string): string {
  if (!ip.includes(':')) return ip;
  const h = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (m === null) return h;
  const a = parseInt(m[1]!, 16);
  const b = parseInt(m[2]!, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

interface Expected {
  records: number;
  perDestination: Map<string, number>;
}

function tally(): Expected {
  return { records: 0, perDestination: new Map() };
}
function add(e: Expected, ip: string): void {
  const k = canonical(ip);
  e.perDestination.set(k, (e.perDestination.get(k) ?? 0) + 1);
}
const get = (o: any, path: string): any => path.split('.').reduce((v, k) => (v == null ? undefined : (v[k] ?? undefined)), o);

/** Sysmon / ECS: the destination, or the source of an accepted (inbound) connection. */
function countSysmon(text: string): Expected {
  const e = tally();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    e.records++;
    const o = JSON.parse(line);
    const data = o.winlog?.event_data ?? o.event_data ?? o;
    if (data.DestinationIp !== undefined) {
      add(e, String(data.Initiated) === 'false' ? data.SourceIp : data.DestinationIp);
    } else if (get(o, 'destination.ip') !== undefined) {
      add(e, ['inbound', 'ingress'].includes(get(o, 'network.direction')) ? get(o, 'source.ip') : get(o, 'destination.ip'));
    }
  }
  return e;
}

/** Netfilter: the outer packet's DST, or SRC for a packet logged on its way in (IN= set, OUT= empty or absent). */
function countNetfilter(text: string): Expected {
  const e = tally();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    e.records++;
    const f: Record<string, string> = {};
    for (const tok of line.split(' ')) {
      const m = /^(?:\[[^\]]*\])?([A-Z]+)=(.*)$/.exec(tok);
      if (m === null) {
        if (tok.startsWith('[') && f.DST !== undefined) break; // the quoted inner packet of an ICMP error
        continue;
      }
      f[m[1]!] ??= m[2]!;
    }
    if (f.DST === undefined) continue;
    const inbound = f.IN !== undefined && f.IN !== '' && (f.OUT === undefined || f.OUT === '');
    add(e, inbound ? f.SRC! : f.DST);
  }
  return e;
}

const ZEEK_DEFAULT = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
];

/** Zeek TSV (header or not) and JSON: the responder, or the originator when Zeek marks it remote (local_orig F, local_resp T). */
function countZeek(text: string): Expected {
  const e = tally();
  let fields: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#fields\t')) fields = line.split('\t').slice(1);
      continue;
    }
    e.records++;
    let row: Record<string, unknown>;
    if (line.startsWith('{')) {
      try {
        const o = JSON.parse(line);
        row = {};
        for (const [k, v] of Object.entries(o)) row[k.replace(/^id_/, 'id.')] = v;
      } catch {
        continue; // cut off
      }
    } else {
      const cols = fields ?? (/^[\dX]+\.[\dX]+\t/.test(line) ? ZEEK_DEFAULT : null);
      const cells = line.split('\t');
      if (cols === null || cells.length < cols.length) continue;
      row = Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
    }
    const lo = row['local_orig'];
    const lr = row['local_resp'];
    const inbound = (lo === false || lo === 'F') && (lr === true || lr === 'T');
    add(e, String(inbound ? row['id.orig_h'] : row['id.resp_h']));
  }
  return e;
}

function read(path: string): string {
  const b = readFileSync(path);
  return (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');
}

const FOLDERS: [string, (text: string) => Expected][] = [
  ['sysmon', countSysmon],
  ['iptables', countNetfilter],
  ['zeek', countZeek],
];

for (const [folder, count] of FOLDERS) {
  t.test(`${folder}: every file`, sharedData(folder), async (t) => {
    const names = readdirSync(dataPath(folder)).sort();
    t.ok(names.length > 0);
    for (const name of names) {
      const path = dataPath(folder, name);
      const want = count(read(path));
      const r = await runCli(['audit', ...C, '--format', 'json', path]);
      t.equal(r.code, 0, `${name}: exit 0 (${r.err})`);
      const report = JSON.parse(r.out);
      const connections = [...want.perDestination.values()].reduce((a, b) => a + b, 0);
      t.equal(report.totals.records, want.records, `${name}: records`);
      t.equal(report.totals.connections, connections, `${name}: connections`);
      t.equal(report.totals.skipped, want.records - connections, `${name}: skipped`);
      t.equal(report.input.files[0].connections, connections, `${name}: the file's connections`);
      const got = new Map<string, number>(report.destinations.map((d: any) => [d.ip, d.connections]));
      t.same(Object.fromEntries([...got].sort()), Object.fromEntries([...want.perDestination].sort()), `${name}: connections per destination`);
    }
  });
}

t.test('all files at once: the totals add up, first and last are ISO 8601 UTC', sharedData('zeek'), async (t) => {
  const paths = FOLDERS.flatMap(([f]) => readdirSync(dataPath(f)).map((n) => dataPath(f, n)));
  const r = await runCli(['audit', ...C, '--format', 'json', ...paths]);
  t.equal(r.code, 0);
  const report = JSON.parse(r.out);
  const sum = (k: string) => report.input.files.reduce((a: number, f: any) => a + f[k], 0);
  t.equal(report.totals.records, sum('records'));
  t.equal(report.totals.connections, sum('connections'));
  t.equal(report.totals.skipped, sum('skipped'));
  t.match(report.input.first, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  t.equal(
    report.destinations.reduce((a: number, d: any) => a + d.connections, 0),
    report.totals.connections,
  );
});
