// Prebuilt answers and the batch path give exactly the answers one-by-one lookups serialise; the answer cache stays bounded.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { Classifier, loadLists } from '../../src/lists/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';
import { AnswerCache, Enricher, Rules, type EnrichOptions } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { mustParsePrefix, parseAddr } from '../../src/net/index.js';
import { dataPath, sharedData, SHARED_DATA } from '../helpers/shared-data.js';

const RULES = new Rules([
  { name: 'watch-lolbins', action: 'keep', images: ['*\\powershell.exe'] },
  { action: 'drop', tags: ['Microsoft'], ports: [80, 443] },
  { name: 'drop "docs"', action: 'drop', scope: ['documentation'] },
  { action: 'drop', tags: ['Mine'] },
]);
const OPTS: EnrichOptions = { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false };
const builtins = resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) }));

function classifierOf(mine: string[]): Classifier {
  return Classifier.build([
    { name: 'ms', tag: 'Microsoft', entries: [{ prefix: mustParsePrefix('13.104.0.0/14'), services: ['A "quoted" \\ service', 'é\u2028'], regions: ['r'] }] },
    { name: 'mine', tag: 'Mine', entries: mine.map((p) => ({ prefix: mustParsePrefix(p), services: [], regions: [] })) },
    ...builtins,
  ]);
}
const small = classifierOf(['198.51.100.0/24', '2001:db8:1::/48']);

const INPUTS = [
  '13.104.1.1',
  '13.107.4.50',
  '8.8.8.8',
  '10.0.0.1',
  '198.51.100.7',
  '192.0.2.1',
  '2001:db8:1::5',
  '2001:DB8::1',
  '[fe80::1%eth0]',
  '::ffff:13.104.0.9',
  '::ffff:10.0.0.1',
  '64:ff9b::1.2.3.4',
  ' 13.104.2.2\t',
  '\u00a013.104.2.2\u2028',
  '1.2.3.4 ',
  '',
  'bad',
  '"quoted"',
  '\\x',
  '\ud800',
  '%{[destination][ip]}',
  '1.2.3.256',
];

t.test('match sets: dense ids, every set listed once', async (t) => {
  const sets = small.matchSets;
  t.ok(sets.length > 3);
  t.ok(
    sets.every((s, i) => s.id === i),
    'id is the index',
  );
  t.equal(sets[0]!.label, 'Unlisted', 'id 0: global, in no list');
  for (const ip of ['13.104.1.1', '8.8.8.8', '10.1.1.1', '2001:db8:1::1']) {
    const set = small.matchSetOf(parseAddr(ip) as never);
    t.equal(sets[set.id], set, ip);
  }
});

t.test('lookupJson is JSON.stringify(lookup(input)), with rules and without', async (t) => {
  for (const rules of [new Rules(), RULES, new Rules([], 'drop')]) {
    const e = new Enricher(small, OPTS, rules);
    for (const input of INPUTS) {
      // Named without U+2028, which would end the line of TAP output.
      const name = JSON.stringify(input).replace(/\u2028/g, '\\u2028');
      let counted: [string, boolean] | null = null;
      const json = e.lookupJson(input, (label, failed) => (counted = [label, failed]));
      const r = e.lookup(input);
      t.equal(json, JSON.stringify(r), name);
      t.same(counted, 'error' in r ? [r.error.code, true] : [r.label, false], `${name} counted`);
      // The second time comes from the prebuilt tail.
      t.equal(e.lookupJson(input), json);
    }
  }
});

t.test('random inputs (property): lookupJson, lookupMany with and without the cache', async (t) => {
  const e = new Enricher(small, { ...OPTS, answerCache: { entries: 16 } }, RULES);
  const input = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom(...INPUTS), fc.string(), fc.string({ unit: 'binary' }));
  fc.assert(
    fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
      const one = inputs.map((i) => JSON.stringify(e.lookup(i)));
      const cached = e.lookupMany(inputs);
      const plain = e.lookupMany(inputs, undefined, { cache: false });
      return one.every((j, k) => j === cached[k] && j === plain[k] && j === e.lookupJson(inputs[k]!)) && e.answerCache.size <= 16;
    }),
    { seed: 7, numRuns: 1500 },
  );
  t.ok(e.answerCache.hits > 0, 'some answers came from the cache');
});

t.test('judgeText: the result and its JSON text, with and without connection facts', async (t) => {
  const e = new Enricher(small, OPTS, RULES);
  const events: unknown[] = [
    {},
    { ip: '13.104.1.1' },
    { ip: 5 },
    { ip: 'bad' },
    { destination: { ip: '13.104.1.1', port: 443 } },
    { destination: { ip: '198.51.100.1', port: 22 } },
    { winlog: { event_data: { DestinationIp: '13.104.9.9', DestinationPort: '443', Image: 'C:\\a "b"\\powershell.exe', Initiated: 'true', Protocol: 'TCP' } } },
    { message: 'kernel: IN=eth0 OUT= SRC=13.104.0.1 DST=10.0.0.1 PROTO=UDP DPT=53' },
    { ip: '192.0.2.3' },
  ];
  for (const ev of events) {
    const { result, json } = e.judgeText(ev);
    t.same(result, e.judge(ev), JSON.stringify(ev));
    t.equal(json, JSON.stringify(result), JSON.stringify(ev));
  }
});

t.test('the answer cache never holds more than its bound, nor an over-long input', async (t) => {
  for (const entries of [0, 1, 2, 3, 5, 64]) {
    const c = new AnswerCache({ entries, maxInputLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 10 }), { maxLength: 200 }), (keys) => {
        for (const k of keys) {
          if (c.get(k) === undefined) c.set(k, { json: k, label: 'x', failed: false, threat: false });
          if (c.size > entries) return false;
        }
        return true;
      }),
      { seed: entries, numRuns: 200 },
    );
    t.ok(c.size <= entries, `${entries} entries: ${c.size} held`);
  }
  const c = new AnswerCache({ entries: 4, maxInputLength: 8, maxAnswerLength: 10 });
  c.set('123456789', { json: 'x', label: 'x', failed: false, threat: false });
  t.equal(c.size, 0, 'an input over the length cap is not kept');
  c.set('1', { json: '12345678901', label: 'x', failed: false, threat: false });
  t.equal(c.size, 0, 'an answer over the length cap is not kept');
  c.set('a', { json: 'a', label: 'x', failed: false, threat: false });
  t.equal(c.get('a')?.json, 'a');
  t.equal(c.hits, 1);
  t.equal(c.get('b'), undefined);
  t.equal(c.misses, 1);
});

t.test('recently used answers stay in the cache', async (t) => {
  const e = new Enricher(small, { ...OPTS, answerCache: { entries: 8 } });
  const hot = '13.104.1.1';
  for (let i = 0; i < 100; i++) e.lookupMany([hot, `8.8.${i}.1`]);
  // Each round: the hot address hits (99 times), every other address misses.
  t.equal(e.answerCache.hits, 99);
  t.equal(e.answerCache.misses, 101);
});

t.test('where inputs do not repeat the cache steps aside, and comes back when they do', async (t) => {
  const e = new Enricher(small, OPTS);
  const unique = Array.from({ length: 4096 * 3 }, (_, i) => `8.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const out = e.lookupMany(unique);
  t.same(out, e.lookupMany(unique, undefined, { cache: false }), 'the same answers');
  const c = e.answerCache;
  t.ok(c.bypassed > 0, `${c.bypassed} lookups went past it`);
  t.ok(c.size <= 1, 'emptied (but for the input that found it out)');
  // After its rest, a repeating stream brings it back.
  for (let i = 0; i < 20 * 4096; i++) e.lookupCached(i % 2 ? '13.104.1.1' : '10.0.0.1');
  t.ok(c.size > 0 && c.hits > 4096, `${c.hits} hits`);
});

t.test('after a reload, no answer from the lists before is served', async (t) => {
  const before = new Enricher(small, OPTS, RULES);
  const inputs = ['198.51.100.7', '203.0.113.9', '198.51.100.7'];
  const old = before.lookupMany(inputs);
  t.match(JSON.parse(old[0]!), { label: 'Mine', action: 'drop' });
  t.ok(before.answerCache.size > 0, 'answers cached');
  const after = before.withClassifier(classifierOf(['203.0.113.0/24']));
  t.equal(after.answerCache.size, 0, 'a new Enricher starts an empty cache');
  const now = after.lookupMany(inputs);
  t.match(JSON.parse(now[0]!), { label: 'documentation', action: 'drop', rule: 'drop "docs"' });
  t.match(JSON.parse(now[1]!), { label: 'Mine', action: 'drop' });
  t.same(
    now,
    inputs.map((i) => JSON.stringify(after.lookup(i))),
  );
});

/** Destination addresses of the real Sysmon events, as they are written there. */
function sysmonDestinations(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dataPath('sysmon'))) {
    for (const line of readFileSync(dataPath('sysmon', f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      const ip = e.winlog?.event_data?.DestinationIp ?? e.event_data?.DestinationIp ?? e.DestinationIp ?? e.destination?.ip;
      if (typeof ip === 'string') out.push(ip);
    }
  }
  return out;
}

t.test('real lists and real destinations: the batch path gives the one-by-one answers', sharedData('sysmon'), async (t) => {
  const set = await loadLists(
    [
      { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'azure/ServiceTags_Public_*.json' },
      { name: 'aws', tag: 'AWS', format: 'aws-ip-ranges', path: 'aws/ip-ranges.json' },
    ],
    { baseDir: SHARED_DATA },
  );
  const e = new Enricher(set.classifier, { ...OPTS, answerCache: { entries: 64 } }, RULES);
  const inputs = sysmonDestinations();
  t.ok(inputs.length > 1000, `${inputs.length} destinations`);
  const one = inputs.map((i) => JSON.stringify(e.lookup(i)));
  t.same(e.lookupMany(inputs), one, 'cache on');
  t.same(e.lookupMany(inputs, undefined, { cache: false }), one, 'cache off');
  t.ok(e.answerCache.hits > 0 && e.answerCache.size <= 64, `${e.answerCache.hits} hits, ${e.answerCache.size} held`);
  for (const ip of ['13.107.4.50', '2603:1000::1', '3.5.140.9', '192.0.2.1', '8.8.8.8']) t.equal(e.lookupJson(ip), JSON.stringify(e.lookup(ip)), ip);
});
