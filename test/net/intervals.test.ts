// IntervalTable: lookups against a linear-scan oracle on seeded random range sets, and the refusals.
import t from 'tap';
import fc from 'fast-check';
import {
  AddrParseError,
  IntervalError,
  type IntervalTable,
  addrFrom4,
  addrFrom6,
  buildIntervalTable,
  mustParseAddr,
  parseAddrScratch,
  type Addr,
  type IntervalRange,
} from '../../src/net/index.js';

const MASK32 = 0xffffffffn;
const v6At = (x: bigint): Addr => addrFrom6(Number((x >> 96n) & MASK32), Number((x >> 64n) & MASK32), Number((x >> 32n) & MASK32), Number(x & MASK32));

function must<V>(r: IntervalTable<V> | IntervalError<V>): IntervalTable<V> {
  if (r instanceof IntervalError) throw new Error(r.message);
  return r;
}

const R = <V>(start: string, end: string, value: V): IntervalRange<V> => ({ start: mustParseAddr(start), end: mustParseAddr(end), value });

/** mulberry32: a seeded generator, so a failure names a set that can be built again. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** n non-overlapping ranges over [0, 2^width): gaps and touching neighbours, values from a small pool, shuffled. */
function randomSet(seed: number, n: number, width: 32 | 128): { start: bigint; end: bigint; value: number }[] {
  const rand = rng(seed);
  const big = (): bigint => BigInt(Math.floor(rand() * 2 ** 32));
  const randomBelow = (bits: number): bigint => {
    let x = 0n;
    for (let i = 0; i < Math.ceil(bits / 32); i++) x = (x << 32n) | big();
    return x & ((1n << BigInt(bits)) - 1n);
  };
  const spanBits = width - Math.ceil(Math.log2(n)) - 2; // room for n ranges with their gaps
  const out: { start: bigint; end: bigint; value: number }[] = [];
  let at = 0n;
  for (let i = 0; i < n; i++) {
    const r = rand();
    // A third touch the previous range (often with its value: joined), the rest leave a gap.
    const gap = r < 0.33 || i === 0 ? 0n : randomBelow(spanBits - (r < 0.6 ? spanBits - 4 : 0)) + 1n;
    const start = at + gap;
    const len = rand() < 0.2 ? 0n : randomBelow(Math.floor(rand() * spanBits));
    const end = start + len;
    if (end >= 1n << BigInt(width)) break;
    out.push({ start, end, value: Math.floor(rand() * 8) });
    at = end + 1n;
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

t.test('lookups equal a linear scan on seeded random sets: every boundary, both families (differential)', async (t) => {
  for (const seed of [1, 2]) {
    const v4 = randomSet(seed, 10_000, 32);
    const v6 = randomSet(seed + 100, 2_000, 128);
    const values = Array.from({ length: 8 }, (_, i) => ({ asn: 64500 + i }));
    const input: IntervalRange<{ asn: number }>[] = [
      ...v4.map((r) => ({ start: addrFrom4(Number(r.start)), end: addrFrom4(Number(r.end)), value: values[r.value]! })),
      ...v6.map((r) => ({ start: v6At(r.start), end: v6At(r.end), value: values[r.value]! })),
    ];
    const table = must(buildIntervalTable(input));
    t.ok(table.size.v4 <= v4.length && table.size.v6 <= v6.length, `seed ${seed}: ${table.size.v4} + ${table.size.v6} ranges after joining`);

    // The oracle: scan every range (numbers for IPv4, BigInt for IPv6).
    const s4 = v4.map((r) => Number(r.start));
    const e4 = v4.map((r) => Number(r.end));
    const scan4 = (x: number) => {
      for (let i = 0; i < s4.length; i++) if (s4[i]! <= x && x <= e4[i]!) return values[v4[i]!.value];
      return undefined;
    };
    const scan6 = (x: bigint) => {
      for (const r of v6) if (r.start <= x && x <= r.end) return values[r.value];
      return undefined;
    };
    let wrong = 0;
    let checked = 0;
    for (const r of v4) {
      for (const x of [r.start - 1n, r.start, r.end, r.end + 1n, (r.start + r.end) / 2n]) {
        if (x < 0n || x > MASK32) continue;
        checked++;
        if (table.find(addrFrom4(Number(x))) !== scan4(Number(x))) wrong++;
      }
    }
    const max6 = (1n << 128n) - 1n;
    for (const r of v6) {
      for (const x of [r.start - 1n, r.start, r.end, r.end + 1n, (r.start + r.end) / 2n]) {
        if (x < 0n || x > max6) continue;
        checked++;
        if (table.find(v6At(x)) !== scan6(x)) wrong++;
      }
    }
    t.equal(wrong, 0, `seed ${seed}: ${checked} boundary and inner addresses agree with the scan`);
  }
});

t.test('small random sets: a table exactly when no two ranges overlap, and then the scan’s answers (property)', async (t) => {
  const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 }));
  fc.assert(
    fc.property(fc.array(range, { maxLength: 12 }), (rows) => {
      const input = rows.map(([s, len, v]) => ({ start: addrFrom4(s), end: addrFrom4(s + len), value: v }));
      const overlaps = input.some((a, i) => input.some((b, j) => i < j && a.start.w0 <= b.end.w0 && b.start.w0 <= a.end.w0));
      const table = buildIntervalTable(input);
      if (overlaps) return table instanceof IntervalError && table.kind === 'OVERLAP';
      if (table instanceof IntervalError) return false;
      for (let x = 0; x <= 222; x++) {
        const want = input.find((r) => r.start.w0 <= x && x <= r.end.w0)?.value;
        if (table.find(addrFrom4(x)) !== want) return false;
      }
      return true;
    }),
    { seed: 5, numRuns: 2000 },
  );
  t.pass('2000 sets');
});

t.test('overlaps are refused, naming both ranges', async (t) => {
  const e = buildIntervalTable([R('10.0.1.0', '10.0.1.255', 'b'), R('10.0.0.0', '10.0.1.0', 'a')]);
  t.type(e, IntervalError);
  t.match(e, { code: 'INVALID_INTERVALS', kind: 'OVERLAP', message: 'ranges 10.0.0.0-10.0.1.0 and 10.0.1.0-10.0.1.255 overlap' });
  t.match(
    buildIntervalTable([R('10.0.0.0', '10.255.255.255', 1), R('10.1.0.0', '10.1.0.255', 2)]),
    { message: 'ranges 10.0.0.0-10.255.255.255 and 10.1.0.0-10.1.0.255 overlap' },
    'containment',
  );
  t.match(
    buildIntervalTable([R('1.0.0.0', '1.0.0.9', 1), R('1.0.0.10', '1.0.0.19', 1), R('1.0.0.15', '1.0.0.15', 2)]),
    { message: 'ranges 1.0.0.10-1.0.0.19 and 1.0.0.15-1.0.0.15 overlap' },
    'the overlapped input range, not the joined one',
  );
  t.match(buildIntervalTable([R('2001:db8::', '2001:db8::ff', 1), R('2001:db8::ff', '2001:db8::1ff', 2)]), {
    kind: 'OVERLAP',
    message: /2001:db8::-2001:db8::ff and 2001:db8::ff-2001:db8::1ff/,
  });
  t.match(buildIntervalTable([R('10.0.0.9', '10.0.0.1', 1)]), { kind: 'INVALID_RANGE', message: '10.0.0.9-10.0.0.1: the start is after the end' });
  t.match(buildIntervalTable([R('10.0.0.1', '2001:db8::1', 1)]), { kind: 'INVALID_RANGE', message: /different address families/ });
  t.ok(
    must(buildIntervalTable([R('0.0.0.0', '255.255.255.255', 1), R('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 2)])),
    'one family never overlaps the other',
  );
});

t.test('find: families, mapped addresses, the scratch record, the ends of the space, joining', async (t) => {
  const table = must(
    buildIntervalTable([
      R('1.0.0.0', '1.0.0.255', 13335),
      R('1.0.1.0', '1.0.3.255', 13335),
      R('0.0.0.0', '0.0.0.0', 0),
      R('255.255.255.255', '255.255.255.255', 1),
      R('2001:db8::', '2001:db8:0:0:ffff:ffff:ffff:ffff', 64496),
      R('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 2),
    ]),
  );
  t.same(table.size, { v4: 3, v6: 2 }, 'adjacent ranges of one value are held as one');
  const find = (s: string) => table.find(mustParseAddr(s));
  t.equal(find('1.0.2.7'), 13335);
  t.equal(find('1.0.4.0'), undefined, 'a gap');
  t.equal(find('0.0.0.0'), 0);
  t.equal(find('255.255.255.255'), 1);
  t.equal(find('255.255.255.254'), undefined);
  t.equal(find('::ffff:1.0.0.1'), 13335, 'a mapped address is looked up as IPv4');
  t.equal(find('2001:db8::ffff:ffff:ffff:ffff'), 64496, 'the last address of a range crossing words');
  t.equal(find('2001:db8:0:1::'), undefined);
  t.equal(find('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 2);
  t.equal(find('::1'), undefined, 'below every IPv6 range');
  const scratch = parseAddrScratch('1.0.0.1');
  t.equal(scratch instanceof AddrParseError ? 'error' : table.find(scratch), 13335, 'the parser’s scratch record works as an address');
  t.equal(must(buildIntervalTable([])).find(mustParseAddr('1.2.3.4')), undefined, 'an empty table');
});
