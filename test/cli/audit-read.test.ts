// The audit's per-line loop, whose netfilter lines take the scan's path, against the general reader's records counted one by one: the same report, byte for byte.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Aggregator, buildReport, newFileTally, renderJson, type AuditOptions } from '../../src/audit/index.js';
import { RecordReader, type Enricher } from '../../src/enrich/index.js';
import { readInto } from '../../src/cli/audit-read.js';
import { loadContext } from '../../src/cli/context.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

let enricher: Enricher;
t.before(async () => {
  enricher = (await loadContext('/dev/null', { quiet: true })).enricher;
});

const YEAR = 2024;

/** The report of the lines read by the audit's loop. */
async function viaLoop(lines: readonly string[], options: AuditOptions): Promise<string> {
  const agg = new Aggregator(enricher, options);
  const tally = newFileTally('fw.log');
  agg.files.push(tally);
  const stream = Readable.from([Buffer.from(lines.map((l) => l + '\n').join(''))]);
  await readInto(stream, new RecordReader({ kind: null, year: YEAR }), agg, tally, { lines: 0, events: 0 }, true);
  return renderJson(buildReport(agg));
}

/** The report of the lines read as records by the general reader, each added in turn. */
function viaRecords(lines: readonly string[], options: AuditOptions): string {
  const agg = new Aggregator(enricher, options);
  const tally = newFileTally('fw.log');
  agg.files.push(tally);
  const reader = new RecordReader({ kind: null, year: YEAR });
  for (const [i, text] of lines.entries()) {
    // The file's byte-order mark is not part of its first record.
    const line = i === 0 && text.startsWith('\ufeff') ? text.slice(1) : text;
    const r = reader.read(line);
    if (r === null) continue;
    if ('skip' in r) agg.skip(tally, r.skip);
    else agg.add(tally, r.record);
  }
  return renderJson(buildReport(agg));
}

// External, private, Microsoft and Google addresses; texts the scan leaves to the general reader
// (a leading zero, IPv6, no address).
const ADDRESSES = ['8.8.8.8', '1.1.1.1', '13.107.4.50', '52.96.0.1', '10.1.2.3', '192.168.0.9', '34.64.0.1', '203.0.113.9', '010.1.2.3', '2001:db8::1', ''];
const HOSTS = ['10.0.0.5', '10.0.0.6', '192.168.1.20', 'fe80::1'];

const NETFILTER = fc.record({
  stamp: fc.constantFrom('Jun  8 14:34:33', 'Jun  8 14:34:34', 'Jun  8 15:01:00', 'Jun  9 02:00:00', 'Feb 30 01:00:00', '2024-06-08T14:34:35Z'),
  prefix: fc.constantFrom('gw kernel: ', 'gw kernel: [UFW BLOCK] ', 'fw kernel: [WAN_OUT-2000-A]', 'DENY: '),
  inbound: fc.boolean(),
  local: fc.constantFrom(...HOSTS),
  remote: fc.constantFrom(...ADDRESSES),
  proto: fc.constantFrom('TCP', 'UDP', 'ICMP', 'GRE', ''),
  port: fc.constantFrom('443', '53', '123', '8123', '', '70000'),
  tail: fc.constantFrom('', ' [SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP DPT=9 ]', ' WINDOW=1024 SYN'),
});

function netfilterLine(l: typeof NETFILTER extends fc.Arbitrary<infer L> ? L : never): string {
  const [src, dst] = l.inbound ? [l.remote, l.local] : [l.local, l.remote];
  const iface = l.inbound ? 'IN=eth0 OUT=' : 'IN= OUT=eth0';
  return `${l.stamp} ${l.prefix}${iface} MAC=00:08 SRC=${src} DST=${dst} LEN=40 PROTO=${l.proto} SPT=40000 DPT=${l.port}${l.tail}`;
}

// Lines of other kinds among them: what decides the input's kind, and Zeek's headers and rows, after which a netfilter line is not one.
const OTHER = fc.constantFrom(
  '',
  '   ',
  '# a comment',
  '#separator \\x09',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
  '1717857273.5\tC1\t10.0.0.5\t40000\t8.8.8.8\t53\tudp',
  '{"DestinationIp":"8.8.8.8","DestinationPort":443}',
  'sshd[1]: Accepted publickey for root',
  'Jun  8 14:34:33 gw kernel: IN= OUT=eth0 SRC=10.0.0.5 DST=::ffff:8.8.8.8 PROTO=TCP DPT=443',
);
const LINE = fc.oneof({ arbitrary: NETFILTER.map(netfilterLine), weight: 6 }, { arbitrary: OTHER, weight: 1 });

const OPTIONS: AuditOptions[] = [
  {},
  { only: 'untagged' },
  { only: 'external' },
  // Inside the stamps' span, so that some records fall outside it (and those before a destination's first counted one).
  { since: Date.UTC(YEAR, 5, 8, 14, 34, 34), until: Date.UTC(YEAR, 5, 8, 23) },
];

t.test('fuzzed firewall logs: the loop gives the report the records give (oracle, property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(LINE, { minLength: 1, maxLength: 60 }), fc.constantFrom(...OPTIONS), fc.boolean(), async (lines, options, bom) => {
      if (bom) lines[0] = '\ufeff' + lines[0];
      const want = viaRecords(lines, options);
      const got = await viaLoop(lines, options);
      if (got !== want) t.equal(got, want, JSON.stringify({ lines, options }));
      return got === want;
    }),
    { seed: 41, numRuns: 300 },
  );
  t.pass('300 logs');
});

t.test('every real iptables line, as it is, outbound and inbound: the same report', sharedData('iptables'), async (t) => {
  const real = readdirSync(dataPath('iptables')).flatMap((f) => readFileSync(dataPath('iptables', f), 'utf8').split('\n'));
  // Each line again as an outbound one and as an inbound one, so that every shape meets both directions.
  const flipped = real.flatMap((l) => [
    l.replace(/ IN=\S*/, ' IN=').replace(/ OUT=\S*/, ' OUT=eth0'),
    l.replace(/ IN=\S*/, ' IN=eth0').replace(/ OUT=\S*/, ' OUT='),
  ]);
  const lines = [...real, ...flipped, ...real];
  for (const options of OPTIONS) {
    const want = viaRecords(lines, options);
    t.ok((await viaLoop(lines, options)) === want, `${JSON.stringify(options)}: byte-identical`);
    t.ok(JSON.parse(want).totals.connections > 0, 'connections counted');
  }
});
