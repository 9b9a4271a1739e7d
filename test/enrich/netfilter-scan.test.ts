// The netfilter scan against parseNetfilter and the record's facts as the general reader gives them: a table, fuzzed lines and every real line.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { NetfilterScan, parseNetfilter, serviceOf } from '../../src/enrich/index.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

interface Facts {
  remote: string;
  local: string;
  inbound: boolean;
  port: number;
  protocol: string | undefined;
  service: string;
}

const CANONICAL_V4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const PROTOCOLS: Record<string, string | undefined> = { '': undefined, TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', tcp: 'tcp', udp: 'udp' };

/** What the general reader makes of a line, when its values are ones the scan takes; null otherwise. Written plainly from parseNetfilter. */
function oracle(line: string): Facts | null {
  const nf = parseNetfilter(line);
  if (nf === null || nf.src === undefined || nf.dst === undefined) return null;
  if (!CANONICAL_V4.test(nf.src) || !CANONICAL_V4.test(nf.dst)) return null;
  if (nf.proto !== undefined && !(nf.proto in PROTOCOLS)) return null;
  const inbound = nf.in !== undefined && nf.in !== '' && (nf.out === undefined || nf.out === '');
  const port = nf.dpt !== undefined && /^\d{1,5}$/.test(nf.dpt) && Number(nf.dpt) <= 65535 ? Number(nf.dpt) : -1;
  const protocol = nf.proto === undefined ? undefined : PROTOCOLS[nf.proto];
  return {
    remote: inbound ? nf.src : nf.dst,
    local: inbound ? nf.dst : nf.src,
    inbound,
    port,
    protocol,
    service: port >= 0 ? (serviceOf(port) ?? 'other') : (protocol ?? 'none'),
  };
}

const toNumber = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** The scan's facts of a line it takes, as the oracle writes them; null when it does not take the line. */
function scanned(scan: NetfilterScan, line: string): (Facts & { remoteNumber: number; localNumber: number }) | null {
  if (!scan.read(line)) return null;
  return {
    remote: line.slice(scan.remoteStart, scan.remoteEnd),
    local: line.slice(scan.localStart, scan.localEnd),
    inbound: scan.inbound,
    port: scan.port,
    protocol: scan.protocol,
    service: scan.serviceText,
    remoteNumber: scan.remote,
    localNumber: scan.local,
  };
}

/** Whatever the scan takes, it reads as the general reader does; its numbers are its texts. */
function check(t: Test, scan: NetfilterScan, line: string): boolean {
  const got = scanned(scan, line);
  if (got === null) return false;
  const want = oracle(line);
  const { remoteNumber, localNumber, ...facts } = got;
  if (want === null || JSON.stringify(facts) !== JSON.stringify(want) || remoteNumber !== toNumber(want.remote) || localNumber !== toNumber(want.local)) {
    t.same({ facts, remoteNumber, localNumber }, want && { facts: want, remoteNumber: toNumber(want.remote), localNumber: toNumber(want.local) }, line);
  }
  return true;
}

const rows: Array<{ line: string; taken: boolean; why: string }> = [
  {
    line: 'Nov 25 10:00:00 gw kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 LEN=60 PROTO=TCP SPT=50000 DPT=443 WINDOW=64240 SYN',
    taken: true,
    why: 'outbound',
  },
  {
    line: 'Nov 25 10:00:00 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:08 SRC=198.51.100.7 DST=10.0.0.5 PROTO=UDP SPT=53 DPT=40000',
    taken: true,
    why: 'inbound, a ufw prefix',
  },
  {
    line: 'Jan  5 20:17:01 fw kernel: [WAN_OUT-2000-A]IN=eth0 OUT=eth2 SRC=192.168.134.158 DST=192.0.2.25 PROTO=TCP SPT=43189 DPT=443',
    taken: true,
    why: 'a prefix glued to IN=',
  },
  { line: 'Jan  5 20:17:01 fw kernel: [LAN]DST=192.0.2.25 IN= OUT=eth2 SRC=192.168.1.2 PROTO=TCP', taken: true, why: 'a prefix glued to DST=' },
  {
    line: 'Jan  8 03:37:09 DENY: IN=eth0 OUT= SRC=192.0.2.71 DST=192.0.2.83 LEN=88 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.83 DST=192.168.173.191 PROTO=TCP SPT=1 DPT=2 ]',
    taken: true,
    why: 'an ICMP error: the outer packet, the quoted one left',
  },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3.4 PROTO=TCP DPT=99999', taken: true, why: 'a DPT that is no port: none' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3.4 PROTO= DPT=', taken: true, why: 'empty PROTO and DPT: none' },
  { line: 'k: IN=eth0 OUT=eth1 SRC=10.0.0.1 DST=1.2.3.4 PROTO=udp DPT=53', taken: true, why: 'IN and OUT: outbound (forwarded)' },
  { line: 'k: IN= OUT=lo SRC=2001:db8::1 DST=2001:db8::2 PROTO=ICMPv6', taken: false, why: 'IPv6' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=01.2.3.4 PROTO=TCP DPT=443', taken: false, why: 'a leading zero: a text the number does not name' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3.256 PROTO=TCP DPT=443', taken: false, why: 'a part over 255' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3 PROTO=TCP DPT=443', taken: false, why: 'three parts' },
  { line: 'k: IN= OUT=eth0 DST=1.2.3.4 PROTO=TCP DPT=443', taken: false, why: 'no SRC: no host' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3.4 PROTO=GRE', taken: false, why: 'a protocol the general reader names' },
  { line: 'DST=1.2.3.4 SRC=10.0.0.1 PROTO=TCP', taken: false, why: 'a key in the first token' },
  { line: 'k: IN= [x] OUT=eth0 SRC=10.0.0.1 DST=1.2.3.4', taken: false, why: 'a [ token before DST' },
  { line: 'k: IN= OUT=eth0 SRC=10.0.0.1 DST=1.2.3.4 PROTO=TCP [x]DPT=80', taken: false, why: 'a key glued to a later prefix' },
  { line: 'sshd[1]: Accepted publickey for root', taken: false, why: 'no fields' },
];

t.test('the scan takes what it should, and reads it as the general reader does', async (t) => {
  const scan = new NetfilterScan();
  for (const r of rows) t.equal(check(t, scan, r.line), r.taken, r.why);
});

t.test('fuzzed lines: whatever the scan takes equals the general reader (oracle, property)', async (t) => {
  const v4 = fc.ipV4();
  const token = fc.oneof(
    fc.constantFrom('IN=eth0', 'IN=', 'OUT=', 'OUT=eth1', 'PROTO=TCP', 'PROTO=UDP', 'PROTO=ICMP', 'PROTO=udp', 'PROTO=', 'PROTO=GRE', 'PROTO=6'),
    fc.constantFrom('DPT=443', 'DPT=53', 'DPT=', 'DPT=0443', 'DPT=65536', 'DPT=8x', 'SPT=1', 'LEN=60', 'MAC=00:08:a2', 'SYN', 'kernel:'),
    fc.constantFrom('[x]', '[UFW', 'BLOCK]', '[WAN]IN=eth9', '[LAN]DST=9.9.9.9', '[SRC=5.5.5.5', '[', ']', '=', 'a=b', 'XDST=1', 'DST=', 'SRC='),
    v4.map((ip) => `DST=${ip}`),
    v4.map((ip) => `SRC=${ip}`),
    fc.constantFrom('DST=010.0.0.1', 'SRC=1.2.3.04', 'DST=1.2.3.4.5', 'DST=::1', 'SRC=1..2.3'),
    fc.string({ maxLength: 5, unit: fc.constantFrom('a', '=', '[', ']', 'D', 'S', 'T', '.', '1') }),
  );
  const gap = fc.constantFrom(' ', '  ', '\t');
  const scan = new NetfilterScan();
  let taken = 0;
  fc.assert(
    fc.property(
      fc.constantFrom('Jun  8 14:34:33 h kernel: ', '', 'x '),
      fc.array(fc.tuple(token, gap), { maxLength: 20 }),
      // Most lines carry an address pair somewhere, as a firewall's do.
      fc.option(fc.tuple(v4, v4, fc.nat(), fc.nat()), { freq: 5 }),
      (lead, parts, pair) => {
        const tokens = parts.map(([tok, g]) => tok + g);
        if (pair !== null) {
          const [src, dst, i, j] = pair;
          tokens.splice(i % (tokens.length + 1), 0, `SRC=${src} `);
          tokens.splice(j % (tokens.length + 1), 0, `DST=${dst} `);
        }
        if (check(t, scan, lead + tokens.join(''))) taken++;
        return true;
      },
    ),
    { seed: 29, numRuns: 30000 },
  );
  t.ok(taken > 3000, `${taken} of 30000 lines taken`);
});

t.test('every real netfilter line of the shared data: what the scan takes equals the general reader', sharedData('iptables'), async (t) => {
  const scan = new NetfilterScan();
  let lines = 0;
  let taken = 0;
  for (const f of readdirSync(dataPath('iptables'))) {
    for (const line of readFileSync(dataPath('iptables', f), 'utf8').split('\n')) {
      if (parseNetfilter(line) === null) continue;
      lines++;
      if (check(t, scan, line)) taken++;
    }
  }
  t.ok(taken > lines / 2, `${taken} of ${lines} real lines taken`);
});
