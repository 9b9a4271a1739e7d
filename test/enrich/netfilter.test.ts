// Netfilter log lines: the outer packet's fields, log prefixes glued to keys, and fuzzed lines.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseNetfilter } from '../../src/enrich/index.js';
import { scanFields } from '../../src/enrich/netfilter.js';
import { SHARED_DATA, sharedData } from '../helpers/shared-data.js';

const rows: Array<{ line: string; want: Record<string, string | undefined> | null; why: string }> = [
  {
    line: 'Nov 25 10:00:00 gw kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 LEN=60 PROTO=TCP SPT=50000 DPT=443 WINDOW=64240 SYN',
    want: { src: '10.0.0.5', dst: '13.107.4.50', proto: 'TCP', spt: '50000', dpt: '443', in: 'eth1', out: 'eth0' },
    why: 'an outbound line as the gateways log them',
  },
  {
    line: 'Jan  5 20:17:01 fw kernel: [WAN_OUT-2000-A]IN=eth0 OUT=eth2 MAC=90:10 SRC=192.168.134.158 DST=192.0.2.25 PROTO=TCP SPT=43189 DPT=443',
    want: { src: '192.168.134.158', dst: '192.0.2.25', proto: 'TCP', spt: '43189', dpt: '443', in: 'eth0', out: 'eth2' },
    why: 'a log prefix glued to IN=',
  },
  {
    line: 'Jan  8 03:37:09 DENY: IN=eth0 OUT= SRC=192.0.2.71 DST=192.0.2.83 LEN=88 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.83 DST=192.168.173.191 LEN=60 PROTO=TCP SPT=1 DPT=2 ]',
    want: { src: '192.0.2.71', dst: '192.0.2.83', proto: 'ICMP', spt: undefined, dpt: undefined, in: 'eth0', out: '' },
    why: 'an ICMP error: the outer packet, not the quoted one',
  },
  {
    line: 'kernel: [16571.459614] IN= OUT=lo SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 PROTO=ICMPv6 TYPE=128',
    want: {
      src: '2001:0db8:0000:0000:0000:0000:0000:0001',
      dst: '2001:0db8:0000:0000:0000:0000:0000:0002',
      proto: 'ICMPv6',
      spt: undefined,
      dpt: undefined,
      in: '',
      out: 'lo',
    },
    why: 'IPv6, a bracketed timestamp before the fields',
  },
  { line: 'Jun 13 sshd[123]: Accepted publickey for root from 10.0.0.1', want: null, why: 'no netfilter fields' },
  { line: '', want: null, why: 'empty' },
];

t.test('parseNetfilter', async (t) => {
  for (const r of rows) {
    const got = parseNetfilter(r.line);
    if (r.want === null) t.equal(got, null, r.why);
    else t.same(got, r.want, r.why);
  }
});

t.test('random lines: never throws; a DST= token at top level is found (property)', async (t) => {
  const token = fc.oneof(
    fc.constantFrom('IN=eth0', 'OUT=', 'OUT=eth1', 'PROTO=TCP', 'SPT=1', 'DPT=443', '[x]', '[', ']', 'kernel:', '=', 'DST=', 'SRC=1.2.3.4'),
    fc.string({ maxLength: 8 }),
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 20 }), fc.ipV4(), (tokens, ip) => {
      const line = [...tokens.filter((x) => !x.includes('[') && !x.includes('DST=') && !x.includes(' ')), `DST=${ip}`].join(' ');
      const r = parseNetfilter(line);
      parseNetfilter(tokens.join(' ')); // must not throw
      return r !== null && r.dst === ip;
    }),
    { seed: 5, numRuns: 3000 },
  );
  t.pass('3000 random lines');
});

t.test('a long line of short tokens: the fields are found (each token scanned once)', async (t) => {
  const line = 'a '.repeat(200_000) + 'SRC=10.0.0.1 DST=1.2.3.4 PROTO=TCP DPT=443 ' + 'b=c '.repeat(100_000);
  t.match(parseNetfilter(line), { src: '10.0.0.1', dst: '1.2.3.4', proto: 'TCP', dpt: '443' });
  t.match(parseNetfilter('[x '.repeat(1000) + 'DST=1.2.3.4'), { dst: '1.2.3.4' }, 'brackets without a close: no key prefix');
});

t.test('the substring fast path reads every line as the token scan does (oracle, property)', async (t) => {
  const token = fc.oneof(
    fc.constantFrom(
      'IN=eth0',
      'IN=',
      'OUT=',
      'OUT=eth1',
      'PROTO=TCP',
      'PROTO=',
      'SPT=1',
      'DPT=443',
      'DPT=',
      'DST=8.8.8.8',
      'DST=',
      'SRC=1.2.3.4',
      'SRC=',
      '[x]',
      '[UFW',
      'BLOCK]',
      '[WAN]IN=eth9',
      '[DST=9.9.9.9',
      '[',
      ']',
      ']DST=7.7.7.7',
      'kernel:',
      '=',
      '==',
      'XDST=1',
      'DST==2',
      'a=b',
      '[1.5]',
      '\tDST=3',
      'DESCR="[WAN]Block',
      'x[y=z',
      'a]b',
      'IN=[x]',
    ),
    fc.string({ maxLength: 6, unit: fc.constantFrom('a', '=', '[', ']', 'D', 'S', 'T', ' ', '\t', '1') }),
  );
  const gap = fc.constantFrom(' ', '  ', ' \t', '   ');
  fc.assert(
    fc.property(fc.array(fc.tuple(token, gap), { maxLength: 24 }), fc.boolean(), (parts, lead) => {
      const line = (lead ? ' ' : '') + parts.map(([tok, g]) => tok + g).join('');
      t.same(parseNetfilter(line), scanFields(line), line);
      return true;
    }),
    { seed: 13, numRuns: 20000 },
  );
  t.pass('20000 random lines');
});

t.test('the fast path on every real netfilter line of the shared data equals the token scan', sharedData('iptables'), async (t) => {
  const dir = resolve(SHARED_DATA, 'iptables');
  let n = 0;
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(resolve(dir, f), 'utf8').split('\n')) {
      const want = scanFields(line);
      if (want === null) continue;
      n++;
      if (JSON.stringify(parseNetfilter(line)) !== JSON.stringify(want)) t.same(parseNetfilter(line), want, line);
    }
  }
  t.ok(n > 100, `${n} real lines compared`);
});
