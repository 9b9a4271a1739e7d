// The owner layer against brute-force readings of its datasets: the real ip-location-db files, random overlapping rows, the cache file.
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnerTableBuilder, bundledOwnerFiles, loadOwners, type Owner, type OwnerTable } from '../../src/lists/index.js';
import { addrFrom4, addrFrom6, mustParseAddr, type Addr } from '../../src/net/index.js';

/** Raw rows of a `-num.csv` file (decimal addresses): read here without ipdest's parser. */
interface RawRows {
  starts: bigint[];
  ends: bigint[];
  values: string[][];
  /** maxEnd[i]: the largest end among rows 0..i (the oracle stops scanning back below it). */
  maxEnd: bigint[];
}

function cellsOf(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) {
    out.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
    if (m[2] === '') break;
  }
  return out;
}

function rawRows(file: string): RawRows {
  const r: RawRows = { starts: [], ends: [], values: [], maxEnd: [] };
  let max = -1n;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const c = cellsOf(line);
    const s = BigInt(c[0]!);
    const e = BigInt(c[1]!);
    r.starts.push(s);
    r.ends.push(e);
    r.values.push(c.slice(2));
    if (e > max) max = e;
    r.maxEnd.push(max);
  }
  return r;
}

/**
 * The row that owns x by the documented rule: of the rows holding x, the greatest start; at the
 * same start the smallest end; then the first. A binary search for the last start ≤ x, then a
 * scan back while some earlier row could still reach x.
 */
function oracle(r: RawRows, x: bigint): string[] | undefined {
  let lo = 0;
  let hi = r.starts.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r.starts[mid]! <= x) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  let best = -1;
  for (let i = at; i >= 0 && r.maxEnd[i]! >= x; i--) {
    if (r.ends[i]! < x) continue;
    if (best < 0) best = i;
    else if (r.starts[i]! === r.starts[best]!) {
      if (r.ends[i]! <= r.ends[best]!) best = i;
    } else break;
  }
  return best < 0 ? undefined : r.values[best];
}

const toAddr = (x: bigint, v6: boolean): Addr =>
  v6
    ? addrFrom6(Number((x >> 96n) & 0xffffffffn), Number((x >> 64n) & 0xffffffffn), Number((x >> 32n) & 0xffffffffn), Number(x & 0xffffffffn))
    : addrFrom4(Number(x));

function expected(asn: RawRows, country: RawRows, x: bigint): Owner | undefined {
  const a = oracle(asn, x);
  const c = oracle(country, x);
  if (!a && !c) return undefined;
  const o: { asn?: number; org?: string; country?: string } = {};
  if (a) {
    o.asn = Number(a[0]);
    if (a[1]) o.org = a[1];
  }
  if (c) o.country = c[0];
  return o;
}

/** A seeded generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const bundled = bundledOwnerFiles();

t.test(
  'the bundled datasets: every boundary of 5,000 ranges a file and 50k random addresses own what the raw rows say',
  { skip: bundled ? false : 'the @ip-location-db packages are not installed (npm ci)' },
  async (t) => {
    const files = bundled!;
    const dir = (f: string) => f.replace(/[^/]+$/, '');
    const num = (f: string) => f.replace(/\.csv$/, '-num.csv');
    const builder = new OwnerTableBuilder();
    for (const f of files.asn) builder.addAsnText(readFileSync(f, 'utf8'), f);
    for (const f of files.country) builder.addCountryText(readFileSync(f, 'utf8'), f);
    const table = builder.build();
    t.ok(readdirSync(dir(files.asn[0]!)).includes('asn-ipv4-num.csv'), 'the numeric copies are there to read independently');
    for (const [k, v6] of [
      [0, false],
      [1, true],
    ] as const) {
      const asn = rawRows(num(files.asn[k]!));
      const country = rawRows(num(files.country[k]!));
      const next = rng(v6 ? 66 : 44);
      const probes: bigint[] = [];
      for (const rows of [asn, country]) {
        for (let i = 0; i < 5000; i++) {
          const r = next() % rows.starts.length;
          for (const x of [rows.starts[r]! - 1n, rows.starts[r]!, rows.starts[r]! + 1n, rows.ends[r]! - 1n, rows.ends[r]!, rows.ends[r]! + 1n])
            if (x >= 0n) probes.push(x);
        }
      }
      for (let i = 0; i < 50_000; i++) {
        probes.push(
          v6 ? (BigInt(0x20000000 | (next() & 0x1fffffff)) << 96n) | (BigInt(next()) << 64n) | (BigInt(next()) << 32n) | BigInt(next()) : BigInt(next() >>> 0),
        );
      }
      let bad = 0;
      for (const x of probes) {
        if (!v6 && x > 0xffffffffn) continue;
        const want = expected(asn, country, x);
        const got = table.ownerOf(toAddr(x, v6));
        if (JSON.stringify(got) !== JSON.stringify(want) && bad++ < 5)
          t.fail(`${toAddr(x, v6).toString()}: table ${JSON.stringify(got)}, rows ${JSON.stringify(want)}`);
      }
      t.equal(bad, 0, `IPv${v6 ? 6 : 4}: ${probes.length} probes agree`);
    }
    t.same(
      table.ownerOf(mustParseAddr('215.0.0.1')),
      { asn: 721, org: 'DoD Network Information Center', country: 'US' },
      'the later of two overlapping rows owns the overlap',
    );
  },
);

/** Random rows over a small IPv4 space: nested, overlapping, repeated and adjacent ones. */
const rowsArb = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 4 })).map(([s, len, v]) => ({ s, e: s + len, v })),
  { maxLength: 30 },
);

t.test('random overlapping rows: each address gets the owner the rule names (property)', async (t) => {
  fc.assert(
    fc.property(rowsArb, rowsArb, (asnRows, ccRows) => {
      const b = new OwnerTableBuilder();
      b.addAsnText(asnRows.map((r) => `0.0.${r.s >> 8}.${r.s & 255},0.0.${r.e >> 8}.${r.e & 255},${r.v},Org ${r.v}`).join('\n'), 'asn.csv');
      b.addCountryText(ccRows.map((r) => `0.0.${r.s >> 8}.${r.s & 255},0.0.${r.e >> 8}.${r.e & 255},C${'ABCD'[r.v - 1]}`).join('\n'), 'cc.csv');
      const table: OwnerTable = b.build();
      // The rule by brute force: every row holding x, the greatest start, then the smallest end, then the first.
      const pick = <R extends { s: number; e: number }>(rows: R[], x: number): R | undefined => {
        let best: R | undefined;
        for (const r of rows) {
          if (r.s > x || r.e < x) continue;
          if (!best || r.s > best.s || (r.s === best.s && r.e < best.e)) best = r;
        }
        return best;
      };
      for (let x = 0; x <= 400; x++) {
        const a = pick(asnRows, x);
        const c = pick(ccRows, x);
        const want = a || c ? { ...(a ? { asn: a.v, org: `Org ${a.v}` } : {}), ...(c ? { country: `C${'ABCD'[c.v - 1]}` } : {}) } : undefined;
        const got = table.ownerOf(addrFrom4(x));
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`0.0.${x >> 8}.${x & 255}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 random row sets agree');
});

t.test('bad rows are refused naming the file, the line and the cell', async (t) => {
  const cases: Array<[string, 'asn' | 'country', RegExp]> = [
    ['1.0.0.0,1.0.0.255', 'asn', /asn\.csv:1: a row needs start,end,asn,org/],
    ['1.0.0.0,1.0.0.255,AS13335,x', 'asn', /invalid AS number "AS13335"/],
    ['1.0.0.0,1.0.0.256,13335,x', 'asn', /invalid range end "1\.0\.0\.256"/],
    ['1.0.1.0,1.0.0.255,13335,x', 'asn', /the start is after the end/],
    ['1.0.0.0,::1,13335,x', 'asn', /different address families/],
    ['# a comment\n1.0.0.0,1.0.0.255,au', 'country', /cc\.csv:2: .*invalid country code "au"/],
  ];
  for (const [text, layer, want] of cases) {
    const b = new OwnerTableBuilder();
    t.throws(() => (layer === 'asn' ? b.addAsnText(text, 'asn.csv') : b.addCountryText(text, 'cc.csv')), want, text);
  }
});

t.test('the cache: read back equal, and a damaged or cut file is never used', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-owners-'));
  const asn = join(dir, 'asn.csv');
  const cc = join(dir, 'cc.csv');
  writeFileSync(
    asn,
    '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n2001:db8::,2001:db8::ffff,64500,"Doc ""Example"" Net"\n8.8.8.0,8.8.8.255,15169,Google LLC\n9.9.9.0,9.9.9.255,19281,"Quad9 – Zürich 🛡"\n',
  );
  writeFileSync(cc, '1.0.0.0,1.0.0.127,AU\n8.8.0.0,8.8.255.255,US\n');
  const settings = { enabled: true, asn: [asn], country: [cc], cacheDir: join(dir, 'cache') };
  const first = await loadOwners(settings);
  t.equal(first.info.state, 'loaded');
  t.equal(first.info.cached, false, 'built the first time');
  const second = await loadOwners(settings);
  t.equal(second.info.cached, true, 'read from the cache the second time');
  const probes = ['1.0.0.1', '1.0.0.200', '8.8.8.8', '8.8.1.1', '2001:db8::1', '2001:db8::1:0', '9.9.9.9'];
  for (const ip of probes) {
    t.same(second.table!.ownerOf(mustParseAddr(ip)), first.table!.ownerOf(mustParseAddr(ip)), ip);
    t.equal(second.table!.find(mustParseAddr(ip))?.json, first.table!.find(mustParseAddr(ip))?.json, `${ip}: the same JSON text`);
  }
  // Owners after a non-ASCII one are cut from the joined texts at the right places.
  t.same(second.table!.ownerOf(mustParseAddr('9.9.9.9')), { asn: 19281, org: 'Quad9 – Zürich 🛡' }, 'a non-ASCII org');
  t.same(second.table!.ownerOf(mustParseAddr('2001:db8::1')), { asn: 64500, org: 'Doc "Example" Net' }, 'quoted org with doubled quotes');
  const [file] = readdirSync(settings.cacheDir);
  const path = join(settings.cacheDir, file!);
  const bytes = readFileSync(path);
  for (const [why, damaged] of [
    ['a flipped byte', Buffer.concat([bytes.subarray(0, bytes.length - 3), Buffer.from([bytes[bytes.length - 3]! ^ 1]), bytes.subarray(bytes.length - 2)])],
    ['a cut file', bytes.subarray(0, bytes.length - 8)],
    ['not a cache file', Buffer.from('hello')],
  ] as const) {
    writeFileSync(path, damaged);
    const again = await loadOwners(settings);
    t.equal(again.info.cached, false, `${why}: built again`);
    t.same(again.table!.ownerOf(mustParseAddr('8.8.8.8')), { asn: 15169, org: 'Google LLC', country: 'US' }, `${why}: right answers`);
  }
  const missing = await loadOwners({ ...settings, asn: [join(dir, 'nope.csv')] });
  t.equal(missing.info.state, 'failed', 'a missing file fails the layer');
  t.match(missing.info.error, /nope\.csv/);
  t.equal(missing.table, null);
  t.equal((await loadOwners({ ...settings, enabled: false })).info.state, 'off');
});
