// `ipdest audit` reading a large file in parts on worker threads: each report byte-identical to the one-thread read, over real data and at RITA's strobe threshold.
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit, type AuditCliOptions } from '../../src/cli/audit.js';
import { capturedIO, runCli } from '../helpers/cli.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ipdest-audit-threads-'));

/** One run: `threads` 1 reads in order; more cuts every file (splitMinBytes 1) into 4 parts a thread, taken by whichever thread is free. */
async function audit(files: string[], threads: number, opts: AuditCliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  const c = capturedIO();
  const code = await runAudit(files, { config: '/dev/null', format: 'json', ...opts, threads: String(threads), splitMinBytes: 1, partsPerThread: 4 }, c.io);
  return { code, out: c.out(), err: c.err() };
}

async function same(t: Test, files: string[], opts: AuditCliOptions = {}, why = ''): Promise<string> {
  const one = await audit(files, 1, opts);
  const three = await audit(files, 3, opts);
  t.equal(one.code, 0, `one thread: exit 0 ${one.err}`);
  t.equal(three.code, three.code === 0 ? 0 : one.code, `three threads: the same exit ${three.err}`);
  t.equal(three.err, one.err, `${why}: the same messages`);
  t.ok(three.out === one.out, `${why}: byte-identical report (${one.out.length} bytes)`);
  return one.out;
}

function concat(name: string, folder: string, filter: (f: string) => boolean, times: number): string {
  const text = readdirSync(dataPath(folder))
    .filter(filter)
    .map((f) => readFileSync(dataPath(folder, f), 'utf8').replace(/\n?$/, '\n'))
    .join('');
  const path = join(dir, name);
  writeFileSync(path, text.repeat(times));
  return path;
}

t.test('real Sysmon events of five shapes, in parts: every format the same', sharedData('sysmon'), async (t) => {
  const file = concat('sysmon.ndjson', 'sysmon', (f) => f.endsWith('.ndjson'), 4);
  for (const format of ['json', 'text', 'csv', 'html'] as const) await same(t, [file], { format }, format);
  await same(t, [file], { only: 'untagged' }, '--only untagged');
});

t.test('real netfilter lines of every prefix style, in parts; with a time window; two files', sharedData('iptables'), async (t) => {
  const file = concat('fw.log', 'iptables', () => true, 4);
  const report = JSON.parse(await same(t, [file], {}, 'all lines'));
  t.ok(report.totals.connections > 300, `${report.totals.connections} connections`);
  await same(t, [file], { since: '2019-01-01', until: '2022-12-31' }, '--since/--until');
  await same(t, [file, file], {}, 'the file twice');
});

t.test('real Zeek JSON in parts; Zeek TSV (its header: read in one thread)', sharedData('zeek'), async (t) => {
  const json = concat('conn.ndjson', 'zeek', (f) => /json|otrf/.test(f) && !f.endsWith('.gz'), 3);
  await same(t, [json], {}, 'Zeek JSON');
  await same(t, [dataPath('zeek', 'rita-open_conns-closed-conn.log')], {}, 'Zeek TSV with its header');
  // Netfilter lines, then a Zeek TSV log with its header, then netfilter lines again: after the
  // header every line reads as a Zeek row, so the parts after it must not be read on their own.
  const fw = readdirSync(dataPath('iptables'))
    .map((f) => readFileSync(dataPath('iptables', f), 'utf8'))
    .join('\n');
  const mixed = join(dir, 'mixed.log');
  writeFileSync(mixed, fw + '\n' + readFileSync(dataPath('zeek', 'rita-open_conns-closed-conn.log'), 'utf8') + fw.repeat(3));
  const r = JSON.parse(await same(t, [mixed], {}, 'a Zeek header midway'));
  t.ok(r.input.files[0].skipped > 0, 'the netfilter lines after the header are skipped as Zeek rows, as in one thread');
});

t.test('a strobe (86,400 connections or more) and long connections: the same in parts as in one thread', async (t) => {
  const n = 100_000;
  const start = Date.UTC(2024, 3, 19);
  const lines: string[] = [];
  const rows: string[] = [];
  let strobeMicros = 0;
  for (let i = 0; i < n; i++) {
    const ts = new Date(start + i * 1000).toISOString();
    // 443, then 80, then 443 again: 53,600 on 443 over the whole run, 46,400 on 80.
    const port = i < 40_000 ? 443 : i < 86_400 ? 80 : 443;
    lines.push(`${ts} gw kernel: IN= OUT=eth0 SRC=10.0.0.7 DST=93.184.216.34 LEN=60 PROTO=TCP SPT=40000 DPT=${port}`);
    // Sizes and durations on most rows; every 7th row gives none.
    const extra = i % 7 === 0 ? '' : `, "orig_ip_bytes": ${50 + ((i * 7919) % 5000)}, "duration": 0.0${(i % 90) + 10}`;
    if (i % 7 !== 0) strobeMicros += ((i % 90) + 10) * 1000;
    rows.push(`{"ts": ${start / 1000 + i}, "id.orig_h": "10.0.0.7", "id.resp_h": "93.184.216.34", "id.resp_p": 443, "proto": "tcp"${extra}}`);
  }
  // A second pair: 40 connections of two minutes each, every half hour: a long connection, not a strobe.
  for (let i = 0; i < 40; i++) {
    rows.splice(
      i * 2500,
      0,
      `{"ts": ${start / 1000 + i * 1800}, "id.orig_h": "10.0.0.8", "id.resp_h": "93.184.216.35", "id.resp_p": 8443, "proto": "tcp", "duration": 120.000001}`,
    );
  }
  const fw = join(dir, 'strobe.log');
  writeFileSync(fw, lines.join('\n') + '\n');
  const a = JSON.parse(await same(t, [fw], {}, 'netfilter strobe'));
  t.same(a.strobes, [{ source: '10.0.0.7', destination: '93.184.216.34', port: 443, connections: n }], 'a strobe, its port counted over every connection');
  t.notOk(
    a.beacons.some((x: { destination: string }) => x.destination === '93.184.216.34'),
    'a strobe is not scored as a beacon',
  );
  t.same(a.longConnections, [], 'netfilter lines give no durations');
  const zeek = join(dir, 'strobe.ndjson');
  writeFileSync(zeek, rows.join('\n') + '\n');
  const z = JSON.parse(await same(t, [zeek], {}, 'Zeek strobe and long connections'));
  t.same(z.strobes, [{ source: '10.0.0.7', destination: '93.184.216.34', port: 443, connections: n }]);
  t.same(
    z.longConnections.map((x: { destination: string; connections: number; duration: number }) => [x.destination, x.connections, x.duration]),
    [
      ['93.184.216.35', 40, 4800.00004],
      ['93.184.216.34', n, strobeMicros / 1e6],
    ].sort((x, y) => (y[2] as number) - (x[2] as number)),
    'each pair with its summed durations, longest first',
  );
  // RITA's score: 0.2 at one hour, up to 0.4 at four.
  const score = (s: number) => Math.round((0.2 + ((s - 3600) / (14400 - 3600)) * 0.2) * 1000) / 1000;
  t.same(
    z.longConnections.map((x: { score: number }) => x.score),
    z.longConnections.map((x: { duration: number }) => score(x.duration)),
  );
  t.ok(
    z.beacons.some((x: { destination: string }) => x.destination === '93.184.216.35'),
    'the long connection is also scored as a beacon',
  );
});

t.test('--threads: auto or 1..64, else a usage error naming the option', async (t) => {
  for (const bad of ['0', '65', '1.5', 'two', '']) {
    const r = await runCli(['audit', '-c', '/dev/null', '--threads', bad, '/dev/null']);
    t.equal(r.code, 2, `--threads "${bad}": exit 2`);
    t.match(r.err, /--threads: expected auto or a whole number from 1 to 64/);
  }
  for (const good of ['1', 'auto', '64']) t.equal((await runCli(['audit', '-c', '/dev/null', '--threads', good, '/dev/null'])).code, 0, `--threads ${good}`);
});
