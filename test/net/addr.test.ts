// Addresses: every accepted and rejected form of the contract, round trips, and a reference parser.
import t from 'tap';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { type Addr, AddrParseError, addrFrom4, addrFrom6, formatV6, mustParseAddr, parseAddr } from '../../src/net/index.js';

function bytesOf(a: Addr): number[] {
  const words = a.version === 4 ? [a.w0] : [a.w0, a.w1, a.w2, a.w3];
  return words.flatMap((w) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]);
}

interface Accepted {
  in: string;
  ip: string;
  version: 4 | 6;
  mapped?: boolean;
  zone?: string;
  why: string;
  refDiffers?: string;
}

const accepted: Accepted[] = [
  { in: '1.2.3.4', ip: '1.2.3.4', version: 4, why: 'plain dotted quad' },
  { in: '0.0.0.0', ip: '0.0.0.0', version: 4, why: 'zero octets are single digits' },
  { in: '255.255.255.255', ip: '255.255.255.255', version: 4, why: 'top of the range' },
  { in: '  10.0.0.1\t', ip: '10.0.0.1', version: 4, why: 'surrounding whitespace is trimmed' },
  { in: '\n13.107.4.50\r\n', ip: '13.107.4.50', version: 4, why: 'line ends are whitespace too' },
  { in: '2001:db8::1', ip: '2001:db8::1', version: 6, why: 'compressed IPv6' },
  { in: '2001:DB8::1', ip: '2001:db8::1', version: 6, why: 'upper case is accepted, canonical is lower' },
  { in: '2001:0db8:0000:0000:0000:0000:0000:0001', ip: '2001:db8::1', version: 6, why: 'fully expanded with leading zeros' },
  { in: 'ff02:0:0:0:0:0:1:3', ip: 'ff02::1:3', version: 6, why: 'Sysmon writes IPv6 uncompressed' },
  { in: '::', ip: '::', version: 6, why: 'unspecified' },
  { in: '::1', ip: '::1', version: 6, why: 'loopback' },
  { in: '1::', ip: '1::', version: 6, why: 'trailing ::' },
  { in: '1:2:3:4:5:6:7::', ip: '1:2:3:4:5:6:7:0', version: 6, why: ':: for one field; RFC 5952 writes a single zero field' },
  { in: '2001:db8:0:0:1:0:0:1', ip: '2001:db8::1:0:0:1', version: 6, why: 'RFC 5952: the first of two equal zero runs is compressed' },
  { in: '2001:0:0:1:0:0:0:1', ip: '2001:0:0:1::1', version: 6, why: 'RFC 5952: the longest zero run is compressed' },
  { in: '64:ff9b::1.2.3.4', ip: '64:ff9b::102:304', version: 6, why: 'embedded IPv4 is printed all-hex' },
  {
    in: '::1.2.3.4',
    ip: '::102:304',
    version: 6,
    why: 'deprecated IPv4-compatible form still parses',
    refDiffers: 'ipaddr.js reads ::a.b.c.d as IPv4-mapped; RFC 4291 2.2 (3) makes it ::102:304',
  },
  { in: '::ffff:1.2.3.4', ip: '1.2.3.4', version: 4, mapped: true, why: 'IPv4-mapped is the IPv4 address it carries' },
  { in: '::FFFF:0102:0304', ip: '1.2.3.4', version: 4, mapped: true, why: 'mapped, in hex and upper case' },
  { in: '0:0:0:0:0:ffff:a00:1', ip: '10.0.0.1', version: 4, mapped: true, why: 'mapped, fully written' },
  { in: '[2001:db8::1]', ip: '2001:db8::1', version: 6, why: 'brackets as in URLs' },
  { in: 'fe80::1%eth0', ip: 'fe80::1', version: 6, zone: 'eth0', why: 'zone, dropped from the canonical text' },
  { in: 'fe80::1%12', ip: 'fe80::1', version: 6, zone: '12', why: 'numeric zone (Windows interface index)' },
  { in: '[fe80::1%eth0]', ip: 'fe80::1', version: 6, zone: 'eth0', why: 'zone inside brackets' },
  { in: 'fe80::1%en.0_1~-', ip: 'fe80::1', version: 6, zone: 'en.0_1~-', why: 'every allowed zone character' },
  { in: 'a00:203:3000:0:0:0:0:1', ip: 'a00:203:3000::1', version: 6, why: 'an odd but valid address from the Sysmon test capture' },
];

interface Rejected {
  in: string;
  code?: 'INVALID_ADDRESS' | 'NO_ADDRESS';
  why: string;
}

const rejected: Rejected[] = [
  { in: '127.1', why: 'shorthand IPv4: some parsers accept it, the contract does not' },
  { in: '0x7f.0.0.1', why: 'hex octet' },
  { in: '010.0.0.1', why: 'leading zero: octal to some parsers, decimal to others, so never guessed' },
  { in: '2130706433', why: 'a single number' },
  { in: '1.2.3.256', why: 'octet out of range' },
  { in: '1.2.3.4/24', why: 'a CIDR is not an address' },
  { in: '2001:db8::/32', why: 'an IPv6 CIDR is not an address either' },
  { in: '[1.2.3.4]', why: 'brackets hold only IPv6' },
  { in: '1.2.3.4%eth0', why: 'zones are IPv6 only' },
  { in: 'fe80::1%', why: 'empty zone' },
  { in: 'fe80::1%eth 0', why: 'space in a zone' },
  { in: 'fe80::1%eth/0', why: 'slash in a zone' },
  { in: '', why: 'empty string' },
  { in: '   ', why: 'only whitespace' },
  { in: 'example.com', why: 'hostnames are never resolved' },
  { in: 'localhost', why: 'hostname' },
  { in: '1.2.3', why: 'three fields' },
  { in: '1.2.3.4.5', why: 'five fields' },
  { in: '1..3.4', why: 'empty field' },
  { in: '1.2.3.', why: 'trailing dot' },
  { in: '-1.2.3.4', why: 'sign' },
  { in: '1.2.3.4 5', why: 'inner whitespace' },
  { in: '１.2.3.4', why: 'full-width digit' },
  { in: '1:2:3:4:5:6:7:8:9', why: 'nine IPv6 fields' },
  { in: '1:2:3:4:5:6:7', why: 'seven fields without ::' },
  { in: '1:2:3:4:5:6:7:8::', why: ':: standing for no field' },
  { in: '1::2::3', why: 'two ::' },
  { in: ':1:2:3:4:5:6:7', why: 'leading single colon' },
  { in: '1:2:3:4:5:6:7:', why: 'trailing single colon' },
  { in: ':::', why: 'three colons' },
  { in: '12345::', why: 'five hex digits' },
  { in: 'g::1', why: 'not hex' },
  { in: '::ffff:1.2.3.04', why: 'leading zero in embedded IPv4' },
  { in: '::ffff:1.2.3', why: 'short embedded IPv4' },
  { in: '1.2.3.4::', why: 'embedded IPv4 not at the end' },
  { in: '1:2:3:4:5:6:7:1.2.3.4', why: 'embedded IPv4 after seven fields is nine' },
  { in: '[2001:db8::1', why: 'unclosed bracket' },
  { in: '[]', why: 'empty brackets' },
  { in: '%{[destination][ip]}', code: 'NO_ADDRESS', why: 'an unresolved Logstash reference is a missing address, not a bad one' },
  { in: ' %{[source][ip]} ', code: 'NO_ADDRESS', why: 'also with whitespace' },
];

t.test('accepted forms', async (t) => {
  for (const row of accepted) {
    const a = parseAddr(row.in);
    if (a instanceof AddrParseError) {
      t.fail(`${JSON.stringify(row.in)} rejected: ${a.message} (${row.why})`);
      continue;
    }
    t.equal(a.toString(), row.ip, `${JSON.stringify(row.in)} canonical (${row.why})`);
    t.equal(a.version, row.version, `${row.in} version`);
    t.equal(a.mapped, row.mapped ?? false, `${row.in} mapped`);
    t.equal(a.zone, row.zone ?? '', `${row.in} zone`);
    // Round trip: the canonical text parses to the same value.
    t.ok(mustParseAddr(a.toString()).equals(a), `${row.in} round trip`);
    // The slow reference parser agrees on the value (bytes; it writes some forms differently).
    if (row.refDiffers) continue;
    const inner = row.in
      .trim()
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
    let ref: ipaddr.IPv4 | ipaddr.IPv6 = inner.includes(':') ? ipaddr.IPv6.parse(inner) : ipaddr.IPv4.parse(inner);
    if (ref.kind() === 'ipv6' && (ref as ipaddr.IPv6).isIPv4MappedAddress()) ref = (ref as ipaddr.IPv6).toIPv4Address();
    t.same(bytesOf(a), ref.toByteArray(), `${row.in} agrees with ipaddr.js`);
  }
});

t.test('rejected forms', async (t) => {
  for (const row of rejected) {
    const a = parseAddr(row.in);
    t.ok(a instanceof AddrParseError, `${JSON.stringify(row.in)} is rejected (${row.why})`);
    if (a instanceof AddrParseError) {
      t.equal(a.code, row.code ?? 'INVALID_ADDRESS', `${JSON.stringify(row.in)} code`);
      t.match(a.message, JSON.stringify(row.in), 'the message quotes the input');
    }
  }
});

t.test('error messages say why', async (t) => {
  const reasons: Array<[string, RegExp]> = [
    ['010.0.0.1', /leading zero/],
    ['1.2.3.256', />255/],
    ['1.2.3.4/24', /CIDR/],
    ['fe80::1%', /empty zone/],
    ['[1.2.3.4]', /brackets/],
    ['1::2::3', /multiple ::/],
  ];
  for (const [input, re] of reasons) t.match((parseAddr(input) as AddrParseError).reason, re, input);
});

const v4 = fc.integer({ min: 0, max: 0xffffffff });
const word = fc.integer({ min: 0, max: 0xffffffff });

t.test('IPv4 round trip and reference agreement (property)', async (t) => {
  fc.assert(
    fc.property(v4, (n) => {
      const a = addrFrom4(n);
      const back = mustParseAddr(a.toString());
      return back.equals(a) && a.toString() === ipaddr.fromByteArray([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
    }),
    { seed: 42, numRuns: 2000 },
  );
  t.pass('2000 random IPv4 addresses');
});

t.test('IPv6 canonical text matches RFC 5952 as ipaddr.js writes it (property)', async (t) => {
  // Words biased toward zero so that zero runs and :: placement are exercised.
  const w = fc.oneof(fc.constant(0), fc.constant(0xffff), word);
  fc.assert(
    fc.property(w, w, w, w, (a, b, c, d) => {
      const text = formatV6(a >>> 0, b >>> 0, c >>> 0, d >>> 0);
      const parsed = mustParseAddr(text);
      if (a === 0 && b === 0 && c >>> 0 === 0xffff) return parsed.mapped && parsed.version === 4;
      const ref = ipaddr.parse(text) as ipaddr.IPv6;
      return parsed.equals(addrFrom6(a, b, c, d)) && ref.toRFC5952String() === text;
    }),
    { seed: 42, numRuns: 3000 },
  );
  t.pass('3000 random IPv6 addresses');
});

t.test('random text never throws and agrees with ipaddr.js on validity of IPv4 (property)', async (t) => {
  const chars = fc.constantFrom(...'0123456789abcdefABCDEF.:%[]/ x'.split(''));
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 45 }), (s) => {
      const a = parseAddr(s);
      if (a instanceof AddrParseError) return true;
      // Whatever is accepted must be something the reference can parse after removing brackets and zone.
      const inner = s
        .trim()
        .replace(/^\[|\]$/g, '')
        .replace(/%.*$/, '');
      return ipaddr.isValid(inner) && (a.version === 6 || a.mapped || ipaddr.IPv4.isValidFourPartDecimal(inner));
    }),
    { seed: 7, numRuns: 20000 },
  );
  t.pass('20000 random strings');
});

t.test('every spelling of an IPv6 address has the one canonical text (property)', async (t) => {
  const w = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), word);
  const spellings = (g: number[]): string[] => {
    const hex = g.map((x) => x.toString(16));
    return [
      hex.join(':'), // uncompressed
      hex.join(':').toUpperCase(),
      g.map((x) => x.toString(16).padStart(4, '0')).join(':'), // leading zeros
      formatV6(...([0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0) as [number, number, number, number])),
      // '::' on every run of zeros, not only the longest
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((start) => {
        let end = start;
        while (end < 8 && g[end] === 0) end++;
        if (end === start) return [];
        return [`${hex.slice(0, start).join(':')}::${hex.slice(end).join(':')}`];
      }),
    ];
  };
  fc.assert(
    fc.property(w, w, w, w, (a, b, c, d) => {
      const words = [a >>> 0, b >>> 0, c >>> 0, d >>> 0] as const;
      if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return true; // mapped: IPv4 text
      const g = words.flatMap((x) => [x >>> 16, x & 0xffff]);
      const want = formatV6(...words);
      return spellings(g).every((text) => mustParseAddr(text).toString() === want && mustParseAddr(`[${text}]`).toString() === want);
    }),
    { seed: 99, numRuns: 3000 },
  );
  t.pass('3000 addresses, every spelling');
});
