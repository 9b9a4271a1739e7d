// The audit's aggregation against a record-by-record count written here: every Map in first-seen order, each pair's seconds, ports and sizes, read whole or in parts merged in order.
import t from 'tap';
import fc from 'fast-check';
import { Aggregator, newFileTally, STROBE_CONNECTIONS, type AggregateView } from '../../src/audit/index.js';
import { parseConfigText } from '../../src/config/index.js';
import { isFailure, type ConnectionRecord, type Enricher, type LookupResult } from '../../src/enrich/index.js';
import { loadOnce } from '../../src/service/index.js';

let enricher: Enricher;
t.before(async () => {
  enricher = (await loadOnce(parseConfigText('', 'x.yaml'), '.')).enricher;
});

// External, private and Microsoft addresses; one address in two texts; no address; not an address.
const ADDRESSES = ['8.8.8.8', '::ffff:8.8.8.8', '1.1.1.1', '13.107.4.50', '10.1.2.3', '192.168.0.9', '2001:4860:4860::8888', 'nope', undefined];
// Texts that a key made by joining would confuse: separators, empty, long.
const TEXTS = ['a', 'b', 'a\u0001b', '\u00011', '', 'C:\\Windows\\svchost.exe', '-', 'x'.repeat(40)];

const recordArb = fc.record({
  address: fc.constantFrom(...ADDRESSES),
  port: fc.option(fc.constantFrom(0, 53, 443, 8080, 65535), { nil: undefined }),
  protocol: fc.option(fc.constantFrom('tcp', 'udp', 'icmp'), { nil: undefined }),
  process: fc.option(fc.constantFrom(...TEXTS), { nil: undefined }),
  host: fc.option(fc.constantFrom(...TEXTS), { nil: undefined }),
  inbound: fc.boolean(),
  // Hours apart, seconds apart, out of order, and several in one second.
  time: fc.option(
    fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_000 + 5 * 3600_000 }), fc.integer({ min: 1_700_000_000_000, max: 1_700_000_003_999 })),
    { nil: undefined },
  ),
  size: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  // Zeek's durations: seconds to the microsecond.
  duration: fc.option(
    fc.integer({ min: 0, max: 5_000_000_000 }).map((us) => us / 1e6),
    { nil: undefined },
  ),
});

type Spec = typeof recordArb extends fc.Arbitrary<infer S> ? S : never;

function toRecord(s: Spec): ConnectionRecord {
  const context: Record<string, unknown> = { direction: s.inbound ? 'inbound' : 'outbound' };
  if (s.port !== undefined) context['port'] = s.port;
  if (s.port === 443) context['service'] = 'https';
  if (s.protocol !== undefined) context['protocol'] = s.protocol;
  if (s.process !== undefined && s.process !== '') context['process'] = s.process;
  const rec: Record<string, unknown> = { event: {}, extracted: { field: 'DestinationIp', value: s.address, context } };
  if (s.time !== undefined) rec['time'] = s.time;
  if (s.host !== undefined) rec['host'] = s.host;
  if (s.size !== undefined) {
    rec['bytes'] = s.size * 2;
    rec['sizeBytes'] = s.size;
  }
  if (s.duration !== undefined) rec['duration'] = s.duration;
  return rec as unknown as ConnectionRecord;
}

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** What an aggregation says, as plain values in its own order. */
function view(a: AggregateView): unknown {
  return {
    totals: a.totals,
    first: a.first,
    last: a.last,
    hours: [...a.hours],
    destinations: [...a.destinations].map(([ip, d]) => [
      ip,
      d.result.input,
      d.connections,
      d.bytes,
      d.first,
      d.last,
      [...d.ports],
      [...d.services],
      [...d.processes],
      [...d.hosts],
      [...d.directions],
    ]),
    pairs: [...a.pairs()].map((p) => [
      `${p.source}\u0000${p.destination}`,
      p.source,
      p.destination,
      p.connections,
      [...p.ports],
      p.duration,
      [...p.ts],
      [...p.counts],
      [...p.sizes],
    ]),
  };
}

/** The count, record by record, as the report defines it. */
function oracle(specs: readonly Spec[]): unknown {
  const totals = { records: 0, connections: 0, external: 0, untagged: 0, skipped: 0, selected: 0, outside: 0 };
  let first: number | undefined;
  let last: number | undefined;
  const hours = new Map<number, number>();
  const dests = new Map<
    string,
    { input: string; connections: number; bytes: number | undefined; first?: number; last?: number; m: Map<number | string, number>[] }
  >();
  const pairs = new Map<
    string,
    {
      source: string;
      destination: string;
      connections: number;
      ports: Map<number, number>;
      micros: number | undefined;
      seconds: Map<number, number>;
      sizes: number[];
    }
  >();
  for (const s of specs) {
    const rec = toRecord(s);
    totals.records++;
    const r = enricher.judgeExtracted(rec.extracted!);
    if (isFailure(r)) {
      totals.skipped++;
      continue;
    }
    const lr = r as LookupResult;
    totals.connections++;
    totals.selected++;
    if (lr.external) totals.external++;
    if (lr.external && lr.IPDestination === null) totals.untagged++;
    let d = dests.get(lr.ip);
    if (d === undefined)
      dests.set(lr.ip, (d = { input: lr.input, connections: 0, bytes: undefined, m: [new Map(), new Map(), new Map(), new Map(), new Map()] }));
    d.connections++;
    if (rec.bytes !== undefined) d.bytes = (d.bytes ?? 0) + rec.bytes;
    const c = rec.extracted!.context;
    if (s.time !== undefined) {
      first = first === undefined ? s.time : Math.min(first, s.time);
      last = last === undefined ? s.time : Math.max(last, s.time);
      d.first = d.first === undefined ? s.time : Math.min(d.first, s.time);
      d.last = d.last === undefined ? s.time : Math.max(d.last, s.time);
      bump(hours, s.time - (s.time % 3600_000));
    }
    if (c.port !== undefined) bump(d.m[0]!, c.port);
    bump(d.m[1]!, c.service ?? (c.port === undefined ? (c.protocol ?? 'none') : 'other'));
    if (c.process !== undefined) bump(d.m[2]!, c.process);
    if (rec.host !== undefined) bump(d.m[3]!, rec.host);
    bump(d.m[4]!, c.direction ?? 'outbound');
    if (lr.external && s.time !== undefined) {
      const source = rec.host ?? c.process ?? '-';
      const key = `${source}\u0000${lr.ip}`;
      let p = pairs.get(key);
      if (p === undefined)
        pairs.set(key, (p = { source, destination: lr.ip, connections: 0, ports: new Map(), micros: undefined, seconds: new Map(), sizes: [] }));
      p.connections++;
      if (c.port !== undefined) bump(p.ports, c.port);
      if (rec.duration !== undefined) p.micros = (p.micros ?? 0) + Math.round(rec.duration * 1e6);
      bump(p.seconds, Math.floor(s.time / 1000));
      if (rec.sizeBytes !== undefined) p.sizes.push(rec.sizeBytes);
    }
  }
  return {
    totals,
    first,
    last,
    hours: [...hours],
    destinations: [...dests].map(([ip, d]) => [ip, d.input, d.connections, d.bytes, d.first, d.last, ...d.m.map((m) => [...m])]),
    // A strobe keeps its counts, not its seconds or sizes.
    pairs: [...pairs].map(([k, p]) => {
      const strobe = p.connections >= STROBE_CONNECTIONS;
      return [
        k,
        p.source,
        p.destination,
        p.connections,
        [...p.ports],
        p.micros === undefined ? undefined : p.micros / 1e6,
        strobe ? [] : [...p.seconds.keys()],
        strobe ? [] : [...p.seconds.values()],
        strobe ? [] : p.sizes,
      ];
    }),
  };
}

function sequential(specs: readonly Spec[]): Aggregator {
  const agg = new Aggregator(enricher);
  const file = newFileTally('f');
  for (const s of specs) agg.add(file, toRecord(s));
  return agg;
}

t.test('record by record, every count and order equals the independent count', async (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 200 }), (specs) => {
      t.same(view(sequential(specs)), oracle(specs));
    }),
    { numRuns: 300 },
  );
});

t.test('read in parts merged in order, with records read after a merge, it equals the sequential read', async (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), (specs, cuts, tailAfter) => {
      const at = [...new Set(cuts.map((c) => c % (specs.length + 1)))].sort((x, y) => x - y);
      const pieces: Spec[][] = [];
      let from = 0;
      for (const c of [...at, specs.length]) {
        pieces.push(specs.slice(from, c));
        from = c;
      }
      // The last piece is either another part or read by the main aggregation after the merges.
      const tail = tailAfter ? pieces.pop()! : [];
      const main = new Aggregator(enricher);
      const file = newFileTally('f');
      for (const s of pieces[0] ?? []) main.add(file, toRecord(s));
      for (const piece of pieces.slice(1)) {
        const agg = new Aggregator(enricher);
        const tally = newFileTally('f');
        for (const s of piece) agg.add(tally, toRecord(s));
        main.merge(file, agg.part(tally));
      }
      for (const s of tail) main.add(file, toRecord(s));
      t.same(view(main), view(sequential(specs)));
    }),
    { numRuns: 300 },
  );
});

t.test('reading an aggregation (its destinations and series) changes nothing it counts or hands over as a part', async (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 120 }), fc.nat(), (specs, cut) => {
      const at = cut % (specs.length + 1);
      const agg = new Aggregator(enricher);
      const tally = newFileTally('f');
      for (const s of specs.slice(0, at)) agg.add(tally, toRecord(s));
      view(agg);
      for (const s of specs.slice(at)) agg.add(tally, toRecord(s));
      const main = new Aggregator(enricher);
      main.merge(newFileTally('f'), agg.part(tally));
      t.same(view(agg), view(sequential(specs)));
      t.same(view(main), view(sequential(specs)));
    }),
    { numRuns: 200 },
  );
});

t.test('a pair becomes a strobe at STROBE_CONNECTIONS, wherever parts cut it; one under keeps every second', async (t) => {
  // Four connections a second, so the seconds are fewer than the connections.
  const spec = (host: string, i: number): Spec => ({
    address: '8.8.8.8',
    port: i % 3 === 0 ? 53 : 8080,
    protocol: 'udp',
    process: undefined,
    host,
    inbound: false,
    time: 1_700_000_000_000 + Math.floor(i / 4) * 1000,
    size: i % 2 === 0 ? i : undefined,
    duration: i % 5 === 0 ? 0.25 : undefined,
  });
  const specs = [
    ...Array.from({ length: STROBE_CONNECTIONS + 500 }, (_, i) => spec('strobe', i)),
    ...Array.from({ length: STROBE_CONNECTIONS - 1 }, (_, i) => spec('under', i)),
  ];
  const want = view(sequential(specs));
  t.same(want, oracle(specs), 'the sequential read is the independent count');
  const whole = new Map([...sequential(specs).pairs()].map((p) => [`${p.source}\u0000${p.destination}`, p]));
  t.equal(whole.get('strobe\u00008.8.8.8')!.connections, STROBE_CONNECTIONS + 500);
  t.equal(whole.get('strobe\u00008.8.8.8')!.ts.length, 0, 'a strobe keeps no seconds');
  t.equal(whole.get('under\u00008.8.8.8')!.ts.length, Math.ceil((STROBE_CONNECTIONS - 1) / 4), 'one under keeps each second once');
  for (const [cut, tailFrom] of [
    [50_000, 80_000],
    [86_000, 86_300],
    [86_399, 86_401],
    [10, STROBE_CONNECTIONS + 600],
    [STROBE_CONNECTIONS + 500, specs.length - 3],
  ] as const) {
    const main = new Aggregator(enricher);
    const file = newFileTally('f');
    for (const s of specs.slice(0, cut)) main.add(file, toRecord(s));
    const agg = new Aggregator(enricher);
    const tally = newFileTally('f');
    for (const s of specs.slice(cut, tailFrom)) agg.add(tally, toRecord(s));
    main.merge(file, agg.part(tally));
    for (const s of specs.slice(tailFrom)) main.add(file, toRecord(s));
    t.same(view(main), want, `cut ${cut}, then ${tailFrom}: as read in one`);
  }
});
