// Ranges → minimal CIDR covers: fixed cases, errors, and a property test against a BigInt greedy oracle.
import t from 'tap';
import fc from 'fast-check';
import { AddrRangeError, formatV4, formatV6, mustParseAddr, rangeToPrefixes, type Addr, type Prefix } from '../../src/net/index.js';

const MASK32 = 0xffffffffn;
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST | MASK32;

/** The address at an IPv4 (width 32) or IPv6 (width 128) position, parsed the way lists are (mapped → IPv4). */
function addrAt(x: bigint, width: 32 | 128): Addr {
  if (width === 32) return mustParseAddr(formatV4(Number(x)));
  return mustParseAddr(formatV6(Number((x >> 96n) & MASK32), Number((x >> 64n) & MASK32), Number((x >> 32n) & MASK32), Number(x & MASK32)));
}

function textAt(x: bigint, width: 32 | 128, bits: number): string {
  if (width === 32) return `${formatV4(Number(x))}/${bits}`;
  return `${formatV6(Number((x >> 96n) & MASK32), Number((x >> 64n) & MASK32), Number((x >> 32n) & MASK32), Number(x & MASK32))}/${bits}`;
}

/** The slow reference: the classic greedy cover in BigInt (the minimal cover of an interval is unique). */
function greedy(s: bigint, e: bigint, width: 32 | 128): string[] {
  const out: string[] = [];
  while (s <= e) {
    let k = width;
    while (k > 0 && (s % (1n << BigInt(k)) !== 0n || s + (1n << BigInt(k)) - 1n > e)) k--;
    out.push(textAt(s, width, width - k));
    s += 1n << BigInt(k);
  }
  return out;
}

/** The oracle for an IPv6 range: the parts below, inside (as IPv4) and above ::ffff:0:0/96. */
function oracle6(s: bigint, e: bigint): string[] {
  const out: string[] = [];
  if (s < MAPPED_FIRST) out.push(...greedy(s, e < MAPPED_FIRST ? e : MAPPED_FIRST - 1n, 128));
  if (s <= MAPPED_LAST && e >= MAPPED_FIRST)
    out.push(...greedy((s > MAPPED_FIRST ? s : MAPPED_FIRST) & MASK32, (e < MAPPED_LAST ? e : MAPPED_LAST) & MASK32, 32));
  if (e > MAPPED_LAST) out.push(...greedy(s > MAPPED_LAST ? s : MAPPED_LAST + 1n, e, 128));
  return out;
}

function big(a: Addr): bigint {
  return (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3);
}

/** A prefix's [first, last] as positions of its own family. */
function span(p: Prefix): [bigint, bigint] {
  const width = p.version === 4 ? 32 : 128;
  const first = p.version === 4 ? BigInt(p.addr.w0) : big(p.addr);
  return [first, first + (1n << BigInt(width - p.bits)) - 1n];
}

function must(r: Prefix[] | AddrRangeError): Prefix[] {
  if (r instanceof AddrRangeError) throw new Error(r.message);
  return r;
}

const cover = (a: string, b: string) => must(rangeToPrefixes(mustParseAddr(a), mustParseAddr(b))).map(String);

t.test('fixed ranges', async (t) => {
  t.same(cover('1.0.0.0', '1.0.0.255'), ['1.0.0.0/24'], 'an aligned block is one prefix');
  t.same(cover('10.0.0.1', '10.0.0.6'), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  t.same(cover('0.0.0.0', '255.255.255.255'), ['0.0.0.0/0'], 'all of IPv4');
  t.same(cover('192.0.2.7', '192.0.2.7'), ['192.0.2.7/32'], 'a single address');
  t.same(cover('9.255.255.255', '11.0.0.0'), ['9.255.255.255/32', '10.0.0.0/8', '11.0.0.0/32'], 'across /8 boundaries');
  t.equal(cover('0.0.0.1', '255.255.255.254').length, 62, 'the worst case for IPv4: 2·32 − 2 prefixes');
  t.same(cover('2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), ['2001:db8::/32']);
  t.same(cover('2001:db8::ffff:ffff', '2001:db8::1:0:0'), ['2001:db8::ffff:ffff/128', '2001:db8::1:0:0/128'], 'across a word boundary');
  t.equal(cover('2000::1', '3fff:ffff:ffff:ffff:ffff:ffff:ffff:fffe').length, 248, 'the worst case inside 2000::/3: 2·125 − 2 prefixes');
  t.same(cover('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'), oracle6(1n, (1n << 128n) - 2n), 'all of IPv6 but its ends: 269 prefixes');
  t.same(cover('::ffff:1.0.0.0', '::ffff:1.0.0.255'), ['1.0.0.0/24'], 'an IPv4-mapped range is an IPv4 range');
  t.same(cover('1.0.0.0', '::ffff:1.0.0.255'), ['1.0.0.0/24'], 'mapped and plain IPv4 ends are one family');
  t.same(cover('::fffe:ffff:ffff', '::ffff:0.0.0.1'), ['::fffe:ffff:ffff/128', '0.0.0.0/31'], 'into the mapped block: IPv6 then IPv4');
  t.same(cover('::ffff:255.255.255.255', '::1:0:0:0'), ['255.255.255.255/32', '::1:0:0:0/128'], 'out of the mapped block');
  const all = cover('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  t.ok(all.includes('0.0.0.0/0') && all[0] === '::/81' && all.at(-1) === '8000::/1', 'all of IPv6: cut around the mapped block');
});

t.test('errors are values naming both ends', async (t) => {
  const r = rangeToPrefixes(mustParseAddr('10.0.0.9'), mustParseAddr('10.0.0.1'));
  t.type(r, AddrRangeError);
  t.match(r, { code: 'INVALID_RANGE', kind: 'START_AFTER_END', message: '10.0.0.9-10.0.0.1: the start is after the end' });
  t.match(rangeToPrefixes(mustParseAddr('10.0.0.1'), mustParseAddr('2001:db8::1')), { kind: 'MIXED_FAMILY', message: /different address families/ });
  t.match(rangeToPrefixes(mustParseAddr('2001:db8::1'), mustParseAddr('10.0.0.1')), { kind: 'MIXED_FAMILY' }, 'plain IPv4 is not a mapped end');
  t.match(rangeToPrefixes(mustParseAddr('::ffff:10.0.0.1'), mustParseAddr('::fffe:0:0')), { kind: 'START_AFTER_END' }, 'compared as IPv6 positions');
  t.match(rangeToPrefixes(mustParseAddr('fe80::1%eth0'), mustParseAddr('fe80::2')), { kind: 'ZONE' });
});

// Ranges of interesting shapes, as positions.
function ranges(width: 32 | 128): fc.Arbitrary<[bigint, bigint]> {
  const max = (1n << BigInt(width)) - 1n;
  const any = fc.bigInt({ min: 0n, max });
  const pair = fc.tuple(any, any).map(([a, b]): [bigint, bigint] => (a <= b ? [a, b] : [b, a]));
  const single = any.map((a): [bigint, bigint] => [a, a]);
  const aligned = fc.tuple(any, fc.integer({ min: 0, max: width })).map(([a, k]): [bigint, bigint] => {
    const size = 1n << BigInt(k);
    const s = (a / size) * size;
    return [s, s + size - 1n];
  });
  // Around a boundary of 2^b (a /8 for IPv4, a 32-bit word for IPv6): a little below to a little above.
  const boundaryBits = width === 32 ? fc.constantFrom(24, 16, 8) : fc.constantFrom(32, 64, 96, 120);
  const crossing = fc
    .tuple(any, boundaryBits, fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1000n }))
    .map(([a, b, below, above]): [bigint, bigint] => {
      const edge = ((a >> BigInt(b)) << BigInt(b)) | 0n;
      const s = edge > below ? edge - below : 0n;
      const e = edge + above > max ? max : edge + above;
      return [s, e];
    });
  const full = fc.constant<[bigint, bigint]>([0n, max]);
  const shapes = [pair, single, aligned, crossing, full];
  if (width === 128) {
    // Near and across the IPv4-mapped block.
    const near = fc
      .tuple(fc.bigInt({ min: MAPPED_FIRST - 4096n, max: MAPPED_LAST + 4096n }), fc.bigInt({ min: 0n, max: 1n << 40n }))
      .map(([s, len]): [bigint, bigint] => [s, s + len]);
    shapes.push(near);
  }
  return fc.oneof(...shapes);
}

function checkCover(s: bigint, e: bigint, width: 32 | 128, got: Prefix[], want: string[]): void {
  const texts = got.map(String);
  if (JSON.stringify(texts) !== JSON.stringify(want)) throw new Error(`cover of ${s}-${e}: ${texts.join(' ')} ≠ ${want.join(' ')}`);
  // Structure, checked on the prefixes themselves: each aligned, each family's run contiguous
  // (disjoint, sorted, no gap), no neighbour mergeable into its parent (minimal).
  let prev: Prefix | undefined;
  for (const p of got) {
    const [first, last] = span(p);
    const w = p.version === 4 ? 32 : 128;
    if (first % (1n << BigInt(w - p.bits)) !== 0n) throw new Error(`${p} is not aligned`);
    if (prev && prev.version === p.version) {
      const [pf, pl] = span(prev);
      if (pl + 1n !== first && !(width === 128 && p.version === 6 && pl + 1n === MAPPED_FIRST)) throw new Error(`gap or overlap before ${p}`);
      if (prev.bits === p.bits && pf % (1n << BigInt(w - p.bits + 1)) === 0n && pl + 1n === first) throw new Error(`${prev} and ${p} merge`);
    }
    if (last < first) throw new Error('empty prefix');
    prev = p;
  }
  // Every boundary address: the ends are in, the neighbours outside are not.
  const inCover = (x: bigint) => {
    const a = addrAt(x, width);
    return got.some((p) => p.contains(a));
  };
  if (!inCover(s) || !inCover(e)) throw new Error(`${s} or ${e} not covered`);
  if (s > 0n && inCover(s - 1n)) throw new Error('below the start covered');
  if (e < (1n << BigInt(width)) - 1n && inCover(e + 1n)) throw new Error('above the end covered');
  for (const p of got) {
    const [first, last] = span(p);
    // Sampled inner addresses: each prefix's middle.
    const mid = first + (last - first) / 2n;
    if (!p.contains(p.version === 4 ? mustParseAddr(formatV4(Number(mid))) : addrAt(mid, 128))) throw new Error(`${p} misses its middle`);
  }
}

t.test('IPv4: the cover equals the greedy oracle and is disjoint, sorted, exact and minimal (property)', async (t) => {
  fc.assert(
    fc.property(ranges(32), ([s, e]) => {
      checkCover(s, e, 32, must(rangeToPrefixes(addrAt(s, 32), addrAt(e, 32))), greedy(s, e, 32));
    }),
    { seed: 11, numRuns: 3000 },
  );
  t.pass('3000 IPv4 ranges');
});

t.test('IPv6: the same, across word boundaries and the IPv4-mapped block (property)', async (t) => {
  fc.assert(
    fc.property(ranges(128), ([s, e]) => {
      checkCover(s, e, 128, must(rangeToPrefixes(addrAt(s, 128), addrAt(e, 128))), oracle6(s, e));
    }),
    { seed: 12, numRuns: 2000 },
  );
  t.pass('2000 IPv6 ranges');
});
