// PrefixTable: longest-prefix match against a linear-scan oracle on seeded random prefix sets.
import t from 'tap';
import fc from 'fast-check';
import { PrefixTable, addrFrom4, addrFrom6, mustParseAddr, mustParsePrefix, prefixFrom, type Addr, type Prefix } from '../../src/net/index.js';

/** The oracle: scan every prefix, keep the longest that contains the address. */
function linearLongest(prefixes: Prefix[], addr: Addr): string | undefined {
  let best: Prefix | undefined;
  for (const p of prefixes) if (p.contains(addr) && (!best || p.bits > best.bits)) best = p;
  return best?.toString();
}

function dedupe(prefixes: Prefix[]): Prefix[] {
  const m = new Map<string, Prefix>();
  for (const p of prefixes) m.set(p.key, p);
  return [...m.values()];
}

function boundaries(p: Prefix): Addr[] {
  const first = p.addr;
  const last = p.last();
  const out = [first, last];
  if (p.version === 4) {
    if (first.w0 > 0) out.push(addrFrom4(first.w0 - 1));
    if (last.w0 < 0xffffffff) out.push(addrFrom4(last.w0 + 1));
  } else {
    // One below / above in the lowest word is enough to cross the boundary for these sets.
    if (first.w3 > 0) out.push(addrFrom6(first.w0, first.w1, first.w2, first.w3 - 1));
    if (last.w3 < 0xffffffff) out.push(addrFrom6(last.w0, last.w1, last.w2, last.w3 + 1));
  }
  return out;
}

t.test('fixed table', async (t) => {
  const prefixes = ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.128/25', '10.1.2.3/32', '2001:db8::/32', '2001:db8:1::/48', '::/0'].map(
    mustParsePrefix,
  );
  const table = PrefixTable.build(prefixes.map((p) => ({ prefix: p, value: p.toString() })));
  const rows: Array<[string, string | undefined]> = [
    ['10.1.2.3', '10.1.2.3/32'],
    ['10.1.2.4', '10.1.2.0/24'],
    ['10.1.2.200', '10.1.2.128/25'],
    ['10.1.3.1', '10.1.0.0/16'],
    ['10.2.0.0', '10.0.0.0/8'],
    ['11.0.0.0', '0.0.0.0/0'],
    ['2001:db8:1::5', '2001:db8:1::/48'],
    ['2001:db8:2::5', '2001:db8::/32'],
    ['2001:db9::', '::/0'],
  ];
  for (const [ip, want] of rows) t.equal(table.longestMatch(mustParseAddr(ip)), want, ip);
  t.same(table.size, { v4: 6, v6: 3 });
});

t.test('a miss is undefined', async (t) => {
  const table = PrefixTable.build([{ prefix: mustParsePrefix('10.0.0.0/8'), value: 1 }]);
  t.equal(table.longestMatch(mustParseAddr('11.0.0.0')), undefined);
  t.equal(table.longestMatch(mustParseAddr('::1')), undefined);
});

t.test('duplicate prefixes are a build error', async (t) => {
  const p = mustParsePrefix('10.0.0.0/8');
  t.throws(
    () =>
      PrefixTable.build([
        { prefix: p, value: 1 },
        { prefix: p, value: 2 },
      ]),
    /duplicate/,
  );
});

t.test('resolve sees the longest enclosing prefix', async (t) => {
  const entries = ['10.0.0.0/8', '10.1.0.0/16', '10.1.1.0/24', '10.2.0.0/16'].map((s) => ({ prefix: mustParsePrefix(s), value: s }));
  const table = PrefixTable.build<string, string[]>(entries, (own, outer) => [own, ...(outer ?? [])]);
  t.same(table.longestMatch(mustParseAddr('10.1.1.1')), ['10.1.1.0/24', '10.1.0.0/16', '10.0.0.0/8']);
  t.same(table.longestMatch(mustParseAddr('10.2.1.1')), ['10.2.0.0/16', '10.0.0.0/8']);
});

const v4Prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, b]) => prefixFrom(addrFrom4(a), b));
// Clustered IPv4 (one /8) so that prefixes nest often.
const v4Nested = fc.tuple(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 8, max: 32 })).map(([a, b]) => prefixFrom(addrFrom4(0x0a000000 + a), b));
const v6Prefix = fc
  .tuple(
    fc.integer({ min: 0, max: 0xffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: 128 }),
  )
  .map(([hi, w1, w3, b]) => prefixFrom(addrFrom6(0x20010000 + (hi & 0xff), w1 & 0xff00ffff, 0, w3), b));

t.test('random prefix sets agree with the linear oracle at every boundary (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(v4Prefix, v4Nested, v4Nested, v6Prefix), { minLength: 1, maxLength: 60 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
      (raw, randoms) => {
        const prefixes = dedupe(raw);
        const table = PrefixTable.build(prefixes.map((p) => ({ prefix: p, value: p.toString() })));
        const probes = prefixes.flatMap(boundaries).concat(
          randoms.map(addrFrom4),
          randoms.map((r) => addrFrom4(0x0a000000 + (r & 0xffffff))),
        );
        for (const a of probes) if (table.longestMatch(a) !== linearLongest(prefixes, a)) return false;
        return true;
      },
    ),
    { seed: 42, numRuns: 400 },
  );
  t.pass('400 random sets');
});
