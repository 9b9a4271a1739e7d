// `ipdest enrich` inputs: unreadable files, raw logs with other lines, how an input is classified, over-long lines.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { kindOfFirstLine, kindOfName, runEnrich } from '../../src/cli/enrich.js';
import { main } from '../../src/cli/main.js';
import { capturedIO, runCli } from '../helpers/cli.js';
import { PROJECT_ROOT, dataPath, sharedData } from '../helpers/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ipdest-inputs-'));
const MIXED = resolve(PROJECT_ROOT, 'test', 'cli', 'fixtures', 'syslog-mixed');
const records = (s: string) =>
  s.trim() === ''
    ? []
    : s
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
const C = ['-c', '/dev/null']; // embedded defaults, no list files: no warnings on stderr

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const good1 = file('one.ndjson', '{"destination":{"ip":"10.0.0.1"},"n":1}\n');
const good2 = file('two.log', '{"destination":{"ip":"10.0.0.2"},"n":2}\n');
const aDir = join(dir, 'a-folder');
mkdirSync(aDir);

t.test('unreadable files are named with the reason; the others are still answered, in order; exit 1', async (t) => {
  const missing = join(dir, 'missing.ndjson');
  const r = await runCli(['enrich', ...C, good1, missing, aDir, good2]);
  t.equal(r.code, 1);
  t.same(
    records(r.out).map((e) => e.n),
    [1, 2],
    'both good files, in order',
  );
  t.equal(r.err, `ipdest: error: cannot read ${missing}: no such file (ENOENT)\nipdest: error: cannot read ${aDir}: is a directory (EISDIR)\n`);
  t.notMatch(r.err, /internal error/);
});

t.test('a missing file alone: the same clear error, nothing on stdout', async (t) => {
  const r = await runCli(['enrich', ...C, 'missing.ndjson']);
  t.equal(r.code, 1);
  t.equal(r.out, '');
  t.equal(r.err, 'ipdest: error: cannot read missing.ndjson: no such file (ENOENT)\n');
});

// Root reads any file, so under root the check runs ipdest as an unprivileged user (nobody).
const root = process.getuid?.() === 0;
const NOBODY = 65534;
const asNobody = root && spawnSync(process.execPath, ['-e', ''], { uid: NOBODY, gid: NOBODY }).status === 0;

t.test(
  'a file without read permission',
  { skip: root && !asNobody ? 'runs as root and cannot run as nobody here: root reads every file' : false },
  async (t) => {
    const locked = file('locked.ndjson', '{"destination":{"ip":"10.0.0.9"}}\n');
    chmodSync(locked, 0o000);
    chmodSync(dir, 0o755);
    chmodSync(good1, 0o644);
    let r: { code: number | null; out: string; err: string };
    if (!root) {
      r = await runCli(['enrich', ...C, locked, good1]);
    } else {
      // Through `env -u NODE_OPTIONS`: the test runner adds its own loader to every child, and that
      // loader would have nobody write into the runner's folders.
      const child = spawn(
        'env',
        ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', resolve(PROJECT_ROOT, 'src', 'cli.ts'), 'enrich', ...C, locked, good1],
        {
          cwd: PROJECT_ROOT,
          uid: NOBODY,
          gid: NOBODY,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => {
        out += c;
      });
      child.stderr.on('data', (c) => {
        err += c;
      });
      const code = await new Promise<number | null>((done) => child.on('close', done));
      r = { code, out, err };
    }
    t.equal(r.code, 1);
    t.equal(r.err, `ipdest: error: cannot read ${locked}: permission denied (EACCES)\n`);
    t.same(
      records(r.out).map((e) => e.n),
      [1],
      'the readable file is still answered',
    );
  },
);

t.test('a read that fails midway: what came before is written, the input is named with the line, exit 1', async (t) => {
  // Two lines on the first read, then the device fails: only once the reader asks for more, so
  // the failure comes midway however long the command takes to start.
  let reads = 0;
  const stdin = new Readable({
    read() {
      if (reads++ === 0) this.push('{"destination":{"ip":"10.0.0.1"},"n":1}\n{"destination":{"ip":"10.0.0.2"},"n":2}\n');
      else setImmediate(() => this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' })));
    },
  });
  const c = capturedIO(stdin);
  const code = await main(['enrich', ...C, '-', good2], c.io);
  t.equal(code, 1);
  t.same(
    records(c.out()).map((e) => e.n),
    [1, 2, 2],
    'the two lines read, then the next file',
  );
  t.equal(c.err(), 'ipdest: error: cannot read (stdin) after line 2: input/output error (EIO)\n');
});

t.test('how an input is classified', async (t) => {
  const byName: Array<[string, string | null]> = [
    ['events.ndjson', 'json'],
    ['EVENTS.NDJSON', 'json'],
    ['a.jsonl', 'json'],
    ['a.json', 'json'],
    ['sophos.csv', 'csv'],
    ['X.CSV', 'csv'],
    ['fw.log', null],
    ['messages', null],
    ['conn.log', null],
    ['ndjson', null],
    ['a.json.gz', null],
  ];
  for (const [name, want] of byName) t.equal(kindOfName(name), want, name);
  const byLine: Array<[string, string]> = [
    ['{"a":1}', 'json'],
    ['  {"a":1}', 'json'],
    ['{', 'json'],
    ['Jan  8 03:37:09 host kernel: IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8', 'raw'],
    ['<6>2021-03-12T14:10:18Z host kernel: [x]IN=eth0', 'raw'],
    ['[1,2]', 'raw'],
    ['#separator \\x09', 'raw'],
    ['not json', 'raw'],
  ];
  for (const [line, want] of byLine) t.equal(kindOfFirstLine(line), want, line);
});

t.test('a raw log mixing sshd, cron and cut-short lines with firewall lines: connections out, the rest counted', async (t) => {
  const r = await runCli(['enrich', ...C, MIXED]);
  t.equal(r.code, 0, 'skipped lines are not errors');
  const out = records(r.out);
  t.equal(out.length, 6);
  t.ok(
    out.every((e) => typeof e.message === 'string' && e.message.includes('DST=') && e.ipdest && !e.ipdest.error?.code?.startsWith('INVALID_EVENT')),
    'only netfilter lines, as {"message": line}',
  );
  t.match(out[0], { ipdest: { ip: '62.34.17.168', direction: 'inbound', port: 80 } });
  t.match(out[3], { ipdest: { ip: '10.3.95.34', direction: 'inbound', port: 8006 } }, 'the Proxmox line (IN= only: inbound, judged by its source)');
  t.equal(r.err, `ipdest: ${MIXED}: 14 lines, 6 connections, 7 skipped (not a connection: lines 1, 3, 5, 7, 9, …), 1 blank\n`);
});

t.test('raw lines on stdin are sniffed and summed up under (stdin); a .log of NDJSON is read as JSON', async (t) => {
  const r = await runCli(['enrich', ...C], 'sshd[1]: Accepted publickey for root\nkernel: IN= OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 PROTO=TCP SPT=1 DPT=443\n');
  t.equal(r.code, 0);
  t.equal(records(r.out).length, 1);
  t.equal(r.err, 'ipdest: (stdin): 2 lines, 1 connections, 1 skipped (not a connection: line 1)\n');

  const nd = await runCli(['enrich', ...C, good2]);
  t.equal(nd.code, 0);
  t.same(
    records(nd.out).map((e) => e.n),
    [2],
  );
  t.equal(nd.err, '');
});

t.test('JSON inputs stay strict: a line that is not an object is an INVALID_EVENT record and exit 1', async (t) => {
  const cases: Array<{ what: string; args: string[]; stdin?: string; bad: number }> = [
    { what: 'NDJSON on stdin with a syslog line', args: [], stdin: '{"ip":"10.0.0.1"}\nsshd[1]: Accepted publickey\n', bad: 2 },
    { what: '.ndjson file with a syslog line first', args: [file('first-bad.ndjson', 'sshd[1]: hello\n{"ip":"10.0.0.1"}\n')], bad: 1 },
    { what: '.jsonl with an array', args: [file('arr.jsonl', '{"ip":"10.0.0.1"}\n[1]\n')], bad: 2 },
  ];
  for (const c of cases) {
    const r = await runCli(['enrich', ...C, ...c.args], c.stdin ?? '');
    t.equal(r.code, 1, c.what);
    const out = records(r.out);
    t.equal(out.length, 2, c.what);
    t.match(out[c.bad - 1], { ipdest: { error: { code: 'INVALID_EVENT', line: c.bad } } }, c.what);
    t.match(r.err, /1 of 2 lines were not JSON objects/, c.what);
  }
});

t.test('a byte-order mark before the first event is not an error', async (t) => {
  const r = await runCli(['enrich', ...C, file('bom.ndjson', '\ufeff{"destination":{"ip":"10.0.0.1"},"n":1}\n')]);
  t.equal(r.code, 0, r.err);
  t.match(records(r.out)[0], { n: 1, IPDestination: 'Private' });
});

t.test('a CSV row with an open quote is an INVALID_EVENT naming its line; the rows after it are answered', async (t) => {
  const csv = file('open-quote.csv', 'dst_addr,dst_port\n10.0.0.1,443\n"10.0.0.2,53\n10.0.0.3,80\n');
  const r = await runCli(['enrich', ...C, csv]);
  t.equal(r.code, 1);
  const out = records(r.out);
  t.equal(out.length, 3);
  t.match(out[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 3, file: csv, message: /unterminated quoted cell/ } } });
  t.match(out[2], { dst_addr: '10.0.0.3' });
});

t.test('a line longer than the limit: an INVALID_EVENT record naming file and line, the lines after it answered, exit 1', async (t) => {
  const long = file('long.ndjson', `{"destination":{"ip":"10.0.0.1"},"n":1}\n{"pad":"${'x'.repeat(2000)}"}\n{"destination":{"ip":"10.0.0.3"},"n":3}\n`);
  const c = capturedIO();
  const code = await runEnrich([long], { config: '/dev/null' }, c.io, { maxLineLength: 1024 });
  t.equal(code, 1);
  const recs = records(c.out());
  t.equal(recs.length, 3);
  t.same(recs[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 2, message: 'line is longer than 1 KiB', file: long } } });
  t.match(recs[2], { n: 3 });
  t.equal(c.err(), 'ipdest: 1 line was longer than 1 KiB and not read; each has an INVALID_EVENT record in its place\n');
});

t.test('a 9 MiB line with the default limit (8 MiB), in a raw log', async (t) => {
  const fw = file(
    'huge.log',
    `kernel: IN= OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 DPT=443 ${'A'.repeat(9 * 1048576)}\nkernel: IN= OUT=eth0 SRC=10.0.0.5 DST=10.0.0.7 DPT=22\n`,
  );
  const r = await runCli(['enrich', ...C, fw]);
  t.equal(r.code, 1);
  const recs = records(r.out);
  t.equal(recs.length, 2);
  t.same(recs[0], { ipdest: { error: { code: 'INVALID_EVENT', line: 1, message: 'line is longer than 8 MiB', file: fw } } });
  t.match(recs[1], { ipdest: { ip: '10.0.0.7', port: 22 } });
  t.match(r.err, /1 line was longer than 8 MiB and not read/);
});

t.test('real iptables logs: every netfilter line is a connection; the one sshd line of the UniFi log is skipped', sharedData('iptables'), async (t) => {
  const skippedIn: Record<string, number[]> = { 'crowdsec-hub-unifi-logs.log': [4] };
  for (const name of readdirSync(dataPath('iptables'))
    .filter((f) => f.endsWith('.log'))
    .sort()) {
    const path = dataPath('iptables', name);
    const r = await runCli(['enrich', ...C, path]);
    t.equal(r.code, 0, `${name}: exit 0`);
    const out = records(r.out);
    t.ok(out.length > 0 && out.every((e) => e.ipdest && !('error' in e.ipdest)), `${name}: ${out.length} records, each classified`);
    const skipped = skippedIn[name];
    if (skipped)
      t.match(
        r.err,
        new RegExp(
          `^ipdest: \\S*${basename(path)}: \\d+ lines, ${out.length} connections, ${skipped.length} skipped \\(not a connection: lines? ${skipped.join(', ')}\\)\\n$`,
        ),
        name,
      );
    else t.equal(r.err, '', `${name}: no summary when nothing is skipped`);
  }
});

t.test('a real Cisco ASA log has no netfilter line: all skipped, a hint, exit 0', sharedData('firewall', 'elastic-beats-cisco-asa-sample.log'), async (t) => {
  const r = await runCli(['enrich', ...C, dataPath('firewall', 'elastic-beats-cisco-asa-sample.log')]);
  t.equal(r.code, 0);
  t.equal(r.out, '');
  t.match(r.err, /: 72 lines, 0 connections, 72 skipped \(not a connection: lines 1, 2, 3, 4, 5, …\)\nhint: in a log file ipdest reads netfilter/);
});

t.test('real Zeek JSON logs named .log are sniffed as JSON; the cut-short one stays strict', sharedData('zeek'), async (t) => {
  const whole = await runCli(['enrich', ...C, dataPath('zeek', 'rita-json_with_all_fields-conn.log')]);
  t.equal(whole.code, 0, whole.err);
  t.equal(records(whole.out).length, 29);
  const cut = await runCli(['enrich', ...C, dataPath('zeek', 'rita-truncated-conn_json.log')]);
  t.equal(cut.code, 1);
  t.match(records(cut.out)[3], { ipdest: { error: { code: 'INVALID_EVENT', line: 4 } } });
});
