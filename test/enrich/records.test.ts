// The record normaliser: each input shape → one connection record (time, host, bytes), bad lines skipped with a reason; the Zeek TSV reader and the syslog time parser, also property-checked.
import t from 'tap';
import fc from 'fast-check';
import { NetfilterScan, parseSyslogTime, RecordReader, ZeekTsv, type LineRecord } from '../../src/enrich/index.js';
import { SyslogClock } from '../../src/enrich/stamps.js';

const rec = (r: LineRecord) => (r !== null && 'record' in r ? r.record : null);

t.test('Sysmon: UtcTime and the computer, not the collector', async (t) => {
  const r = new RecordReader({ year: 2024 });
  const line = JSON.stringify({
    '@timestamp': '2019-03-19T17:14:01.368Z',
    computer_name: 'IT001.shire.com',
    host: { name: 'WECserver' },
    event_data: { DestinationIp: '10.0.10.106', UtcTime: '2019-03-19 17:14:00.332' },
  });
  const got = rec(r.read(line))!;
  t.equal(got.host, 'IT001.shire.com');
  t.equal(got.time, Date.UTC(2019, 2, 19, 17, 14, 0, 332));
});

t.test('netfilter: the syslog stamp with the given year; the host is SRC outbound, DST inbound', async (t) => {
  const r = new RecordReader({ year: 2022 });
  const out = rec(r.read('Jun  8 14:34:33 fw kernel: OUT: IN= OUT=eth0 SRC=10.0.0.5 DST=93.184.216.34 PROTO=TCP SPT=5 DPT=443'))!;
  t.equal(out.host, '10.0.0.5');
  t.equal(out.time, Date.UTC(2022, 5, 8, 14, 34, 33));
  const inb = rec(r.read('Jun  8 14:34:33 fw kernel: IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 PROTO=TCP SPT=5 DPT=22'))!;
  t.equal(inb.host, '10.0.0.5');
  t.same(r.read('Jun  8 14:34:33 fw sshd[1]: Accepted publickey'), { skip: 'not a connection (no netfilter DST=)' });
});

t.test('Zeek TSV: header, unset fields, inbound by local_orig/local_resp, a cut-off row skipped', async (t) => {
  const r = new RecordReader({ year: 2024 });
  const head = [
    '#separator \\x09',
    '#unset_field\t-',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tlocal_orig\tlocal_resp\torig_ip_bytes',
  ];
  for (const h of head) t.equal(r.read(h), null, 'a header line gives nothing');
  const a = rec(r.read('1517336042.279652\tC1\t192.168.88.2\t55638\t165.227.88.15\t53\tudp\tdns\t0.069982\t61\t81\tT\tF\t89'))!;
  t.equal(a.time, 1517336042279.652);
  t.equal(a.host, '192.168.88.2');
  t.equal(a.bytes, 142);
  t.equal(a.sizeBytes, 89, "RITA's size: the originator's IP bytes");
  t.same((a.event as any).destination, { ip: '165.227.88.15', port: 53 });
  const b = rec(r.read('1713484795.943239\tC2\t167.94.138.145\t25320\t64.225.56.201\t6008\ttcp\t-\t-\t-\t-\tF\tT\t-'))!;
  t.equal(b.host, '64.225.56.201', 'inbound: the local side is the responder');
  t.equal((b.event as any).network.direction, 'inbound');
  t.equal(b.bytes, undefined);
  t.same(r.read('1517336042.1\tC3\t10.0.0.1\t1'), { skip: 'truncated Zeek row: 4 of 14 fields' });
});

t.test("what the netfilter scan may take: a raw input's netfilter lines, not those after a Zeek header nor Zeek rows", async (t) => {
  const line = 'Jun  8 14:34:33 gw kernel: IN= OUT=eth0 SRC=10.0.0.5 DST=8.8.8.8 PROTO=TCP DPT=443';
  const cases: Array<{ before: string[]; line: string; scanned: boolean; read: 'record' | 'skip' | 'none'; why: string }> = [
    { before: ['x'], line, scanned: true, read: 'record', why: 'a raw input' },
    { before: [], line, scanned: false, read: 'record', why: 'the first line decides the kind: read() reads it' },
    { before: ['{"a":1}'], line, scanned: false, read: 'record', why: 'a JSON input: read() reads it as netfilter' },
    { before: ['x', '#fields\tts\tid.resp_h'], line, scanned: false, read: 'skip', why: 'after a Zeek header: a Zeek row' },
    { before: ['x'], line: '#' + line, scanned: false, read: 'none', why: 'a # line: a header' },
    { before: ['x'], line: '1717857273.5\t' + line, scanned: false, read: 'skip', why: 'a Zeek row by its stamp' },
  ];
  for (const c of cases) {
    const scanReader = new RecordReader({ year: 2024 });
    const readReader = new RecordReader({ year: 2024 });
    for (const b of c.before) {
      scanReader.read(b);
      readReader.read(b);
    }
    t.equal(scanReader.scanNetfilter(c.line, new NetfilterScan()), c.scanned, `${c.why}: scanned`);
    const r = readReader.read(c.line);
    t.equal(r === null ? 'none' : 'skip' in r ? 'skip' : 'record', c.read, `${c.why}: read`);
  }
});

t.test('Zeek JSON, dotted and underscore keys', async (t) => {
  const r = new RecordReader({ year: 2024 });
  const a = rec(r.read('{"ts":1588205199.82437,"id_orig_h":"10.0.1.6","id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","orig_bytes":39,"resp_bytes":55}'))!;
  t.equal(a.host, '10.0.1.6');
  t.same((a.event as any).destination, { ip: '10.0.0.4', port: 53 });
  t.same(r.read('{"ts":1,"id.resp_h":"10.0.0.4","hist'), { skip: 'not JSON' });
  t.same(r.read('[1,2]'), { skip: 'not a JSON object' });
});

t.test('CSV exports: the header row names the columns', async (t) => {
  const r = new RecordReader({ kind: 'csv', year: 2024 });
  t.equal(r.read('dst_addr,dst_port,process_uuid,hostname'), null);
  const a = rec(r.read('192.0.2.1,443,abc,PC1'))!;
  t.equal(a.host, 'PC1');
  t.equal((a.event as any).dst_addr, '192.0.2.1');
  t.same(r.read('"192.0.2.1,443'), { skip: 'not a CSV row (unterminated quoted cell)' });
});

t.test('syslog stamps', async (t) => {
  const rows: [string, number, number | undefined][] = [
    ['Jan  8 03:37:09 host kernel: x', 2019, Date.UTC(2019, 0, 8, 3, 37, 9)],
    ['<161>Oct 10 07:25:12 Hostname kernel: x', 2021, Date.UTC(2021, 9, 10, 7, 25, 12)],
    ['<6>2021-03-12T14:10:18Z Hostname kernel:', 1999, Date.UTC(2021, 2, 12, 14, 10, 18)],
    ['2021-03-12T14:10:18+02:00 h k', 1999, Date.UTC(2021, 2, 12, 12, 10, 18)],
    ['0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: IN=vmbr0', 1999, Date.UTC(2022, 5, 20, 11, 9, 14)],
    ['Feb 30 00:00:00 h k', 2023, undefined], // no such day
    ['IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8', 2023, undefined],
  ];
  for (const [line, year, want] of rows) t.equal(parseSyslogTime(line, year), want, line);
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

t.test('property: an RFC 3164 and an ISO 8601 stamp of any time read back to that time', async (t) => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), fc.boolean(), (d, pri) => {
      const ms = d.getTime() - d.getUTCMilliseconds();
      const day = String(d.getUTCDate()).padStart(2, ' ');
      const hms = d.toISOString().slice(11, 19);
      const bsd = `${pri ? '<13>' : ''}${MONTHS[d.getUTCMonth()]} ${day} ${hms} host kernel: IN= OUT=eth0`;
      const iso = `${pri ? '<13>' : ''}${d.toISOString()} host kernel: x`;
      return parseSyslogTime(bsd, d.getUTCFullYear()) === ms && parseSyslogTime(iso, 1970) === d.getTime();
    }),
  );
  t.pass('RFC 3164 and ISO 8601 round trips');
});

t.test('property: SyslogClock over a run of lines gives each the time parseSyslogTime does (oracle)', async (t) => {
  // Stamps that share their second, differ by a fraction or end the line, in any order.
  const stamp = fc.constantFrom(
    'Jun  8 14:34:33',
    'Jun  8 14:34:33.5',
    'Jun  8 14:34:33.123456',
    'Jun  8 14:34:34',
    '<6>Jun  8 14:34:33',
    'Jun 8 14:34:33',
    'Feb 30 00:00:00',
    '2021-03-12T14:10:18Z',
    'x',
  );
  // And stamps made of parts, in range and out of it: months, day padding, Feb 29 and 30, 24:00, :60.
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
  const made = fc
    .tuple(
      fc.constantFrom(
        'Jan',
        'Feb',
        'Mar',
        'Apr',
        'May',
        'Jun',
        'Jul',
        'Aug',
        'Sep',
        'Oct',
        'Nov',
        'Dec',
        'Jum',
        'jun',
        'Fe',
        'Jax',
        'Jut',
        'Maz',
        'Aux',
        'Dex',
        'Nox',
        'Oca',
        'Sea',
      ),
      fc.constantFrom(' ', '  '),
      fc.integer({ min: 0, max: 99 }),
      fc.boolean(),
      fc.tuple(two(29), two(69), two(69)),
      fc.constantFrom('', '.5', ':', 'x'),
    )
    .map(([m, gap, d, zero, [h, mi, s], tail]) => `${m}${gap}${zero ? String(d).padStart(2, '0') : d} ${h}:${mi}:${s}${tail}`);
  const stampOrMade = fc.oneof(stamp, made);
  const rest = fc.constantFrom('', ' ', ' host kernel: IN= OUT=eth0', '.7 h', 'x h', '  h');
  fc.assert(
    fc.property(fc.array(fc.tuple(stampOrMade, rest), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1971, max: 2099 }), (lines, year) => {
      const clock = new SyslogClock(year);
      for (const [a, b] of lines) if (clock.timeOf(a + b) !== parseSyslogTime(a + b, year)) return false;
      return true;
    }),
    { seed: 17, numRuns: 10000 },
  );
  t.pass('10000 runs of lines');
});

t.test('SyslogClock: every plain stamp after every other gives the time parseSyslogTime does (exhaustive over months and days 0–99)', async (t) => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // The clock keeps the last day's validity: two stamps in a row of different days must not share it.
  const lines = months.flatMap((m) => Array.from({ length: 100 }, (_, d) => `${m} ${String(d).padStart(2, ' ')} 10:00:00 h kernel: x`));
  const want = lines.map((l) => parseSyslogTime(l, 2024));
  let wrong = 0;
  for (let i = 0; i < lines.length; i++) {
    for (let j = 0; j < lines.length; j++) {
      const clock = new SyslogClock(2024);
      clock.timeOf(lines[i]!);
      if (clock.timeOf(lines[j]!) !== want[j] && wrong++ < 3) t.fail(`${lines[i]} then ${lines[j]}`);
    }
  }
  t.equal(wrong, 0, `${lines.length ** 2} pairs`);
  t.ok(want.filter((w) => w !== undefined).length === 366, 'the 366 days of 2024 have a time, no other');
});

t.test('property: the Zeek TSV reader gives back the cells it was written from', async (t) => {
  const cellArb = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\t\n\r]/.test(s) && s !== '-' && s !== '(empty)');
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.stringMatching(/^[a-z_.]{1,10}$/), { minLength: 1, maxLength: 8 }),
      fc.infiniteStream(cellArb),
      fc.nat(3),
      (names, cells, unsetAt) => {
        const z = new ZeekTsv();
        z.header('#separator \\x09');
        z.header(`#fields\t${names.join('\t')}`);
        const values = names.map(() => cells.next().value as string);
        const row = values.map((v, i) => (i === unsetAt ? '-' : v));
        const got = z.row(row.join('\t'));
        if ('error' in got) return false;
        const want = Object.fromEntries(names.map((n, i) => [n, row[i]]).filter(([, v]) => v !== '-'));
        const short = z.row(row.slice(0, -1).join('\t'));
        return JSON.stringify({ ...got.fields }) === JSON.stringify(want) && (names.length === 1 ? true : 'error' in short);
      },
    ),
  );
  t.pass('rows round-trip; a row cut short is an error');
});
