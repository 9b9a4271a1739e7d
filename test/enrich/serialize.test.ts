// The spliced JSON of an enriched event is byte for byte what serialising the enriched event gives.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Classifier, loadLists } from '../../src/lists/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';
import { Enricher, Rules, resultJson, enrichLine, enrichToText, type EnrichOptions } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { mustParsePrefix } from '../../src/net/index.js';
import { dataPath, sharedData, SHARED_DATA } from '../helpers/shared-data.js';
import { enrichInPlace } from '../helpers/enrich-in-place.js';

const RULES = new Rules([
  { name: 'watch-lolbins', action: 'keep', images: ['*\\powershell.exe'] },
  { action: 'drop', tags: ['Microsoft'], ports: [80, 443] },
]);

function sameAsGeneric(t: any, enricher: Enricher, event: Record<string, unknown>, why: string): void {
  const a = structuredClone(event);
  const b = structuredClone(event);
  const fast = enrichToText(enricher, a).text;
  enrichInPlace(enricher, b);
  const generic = JSON.stringify(b);
  const line = enrichLine(enricher, JSON.stringify(event), 1).text;
  // JSON.stringify writes index-like keys ("7") first; the text edit appends them where the other
  // additions go. Same object, other key order: compared parsed.
  const o = enricher.options;
  if (/^[0-9]/.test(o.field) || /^[0-9]/.test(o.detailsField ?? '')) {
    if (!isDeepStrictEqual(JSON.parse(fast), JSON.parse(generic))) t.same(JSON.parse(fast), JSON.parse(generic), why);
    if (!isDeepStrictEqual(JSON.parse(line), JSON.parse(generic))) t.same(JSON.parse(line), JSON.parse(generic), `${why} (as a line)`);
    return;
  }
  if (fast !== generic) t.equal(fast, generic, why);
  // From its own canonical text as an NDJSON line: the same bytes.
  if (line !== generic) t.equal(line, generic, `${why} (as a line)`);
}

const builtins = resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) }));
const small = Classifier.build([
  { name: 'ms', tag: 'Microsoft', entries: [{ prefix: mustParsePrefix('13.104.0.0/14'), services: ['A "quoted" \\ service'], regions: ['r'] }] },
  ...builtins,
]);
const OPTS: EnrichOptions = { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false };

t.test('fixture events, every option combination', async (t) => {
  const events: Array<Record<string, unknown>> = [
    {},
    { ip: '13.104.1.1' },
    { ip: '8.8.8.8' },
    { ip: 'bad' },
    { ip: 5 },
    { nothing: true },
    { '1': 'index key first', destination: { ip: '10.0.0.1', port: 443 }, z: [1, { a: null }] },
    { IPDestination: 'old', ip: '13.104.1.1' },
    { ipdest: { x: 1 }, ip: '10.0.0.1' },
    { winlog: { event_data: { DestinationIp: '13.104.9.9', DestinationPort: '443', Image: 'C:\\a "b"\\powershell.exe', Initiated: 'true', Protocol: 'TCP' } } },
    { message: 'kernel: IN=eth0 OUT= SRC=13.104.0.1 DST=10.0.0.1 PROTO=UDP DPT=53' },
    JSON.parse('{"__proto__": {"x": 1}, "ip": "10.0.0.1"}'),
  ];
  const variants: EnrichOptions[] = [
    OPTS,
    { ...OPTS, detailsField: null },
    { ...OPTS, addTags: true },
    { ...OPTS, field: 'dest', detailsField: 'd' },
    { ...OPTS, field: '7' },
  ];
  for (const opts of variants) {
    const enricher = new Enricher(small, opts, RULES);
    for (const e of events) sameAsGeneric(t, enricher, e, `${JSON.stringify(opts)} ${JSON.stringify(e)}`);
  }
  t.pass('all equal');
});

t.test('random events (property)', async (t) => {
  const enricher = new Enricher(small, OPTS, RULES);
  const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('13.104.3.4', '10.1.1.1', '%{[x]}', ''), fc.string());
  const value = fc.jsonValue({ maxDepth: 2 });
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 5 }),
      ip,
      fc.option(fc.integer({ min: 0, max: 70000 })),
      (extra, address, port) => {
        const event: Record<string, unknown> = { ...extra, destination: { ip: address, ...(port === null ? {} : { port }) } };
        const a = structuredClone(event);
        const b = structuredClone(event);
        const fast = enrichToText(enricher, a).text;
        enrichInPlace(enricher, b);
        return fast === JSON.stringify(b);
      },
    ),
    { seed: 11, numRuns: 3000 },
  );
  t.pass('3000 random events');
});

t.test('real events and real lists', sharedData('sysmon'), async (t) => {
  const set = await loadLists(
    [
      { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'azure/ServiceTags_Public_*.json' },
      { name: 'aws', tag: 'AWS', format: 'aws-ip-ranges', path: 'aws/ip-ranges.json' },
    ],
    { baseDir: SHARED_DATA },
  );
  const enricher = new Enricher(set.classifier, OPTS, RULES);
  let n = 0;
  for (const f of readdirSync(dataPath('sysmon'))) {
    for (const line of readFileSync(dataPath('sysmon', f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())) {
      sameAsGeneric(t, enricher, JSON.parse(line), `${f}: ${line.slice(0, 60)}`);
      n++;
    }
  }
  for (const ip of ['13.107.4.50', '2603:1000::1', '3.5.140.9', '192.0.2.1', '8.8.8.8']) {
    const r = enricher.lookup(ip);
    t.equal(resultJson(r as never), JSON.stringify(r), ip);
    t.equal(enricher.lookupJson(ip), JSON.stringify(r), `${ip} (prebuilt)`);
    t.equal(enricher.judgeText({ ip }).json, JSON.stringify(enricher.judge({ ip })), `${ip} (judged, prebuilt)`);
  }
  t.ok(n > 1000, `${n} events`);
});

/** JSON text of a value with blanks wherever JSON allows them (and nowhere else). */
function spaced(v: unknown, blanks: () => string): string {
  if (Array.isArray(v)) return `${blanks()}[${v.map((x) => spaced(x, blanks)).join(`${blanks()},`)}${blanks()}]${blanks()}`;
  if (v !== null && typeof v === 'object') {
    const members = Object.entries(v).map(([k, x]) => `${blanks()}${JSON.stringify(k)}${blanks()}:${spaced(x, blanks)}`);
    return `${blanks()}{${members.join(',')}${blanks()}}${blanks()}`;
  }
  return `${blanks()}${JSON.stringify(v)}${blanks()}`;
}

t.test('a line is enriched in its own text: any spacing, the same event once parsed (property)', async (t) => {
  const enricher = new Enricher(small, OPTS, RULES);
  const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('13.104.3.4', '10.1.1.1', '%{[x]}', ''), fc.string());
  const blank = fc.array(fc.constantFrom(' ', '\t', '\r', '\n'), { maxLength: 2 }).map((b) => b.join(''));
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
      fc.option(ip),
      fc.infiniteStream(blank),
      (extra, address, blanks) => {
        const event: Record<string, unknown> = address === null ? extra : { ...extra, destination: { ip: address } };
        const text = spaced(event, () => blanks.next().value as string);
        const b = structuredClone(JSON.parse(text));
        enrichInPlace(enricher, b);
        const out = enrichLine(enricher, text, 1).text;
        // The same event (JSON.parse keeps the last of repeated keys either way), in one JSON value.
        return isDeepStrictEqual(JSON.parse(out), JSON.parse(JSON.stringify(b))) && out.startsWith('{') && out.endsWith('}');
      },
    ),
    { seed: 12, numRuns: 2000 },
  );
  t.pass('2000 spaced events');
});

t.test('a line keeps what serialising would change: 64-bit integers, escapes, number forms', async (t) => {
  const enricher = new Enricher(small, OPTS, RULES);
  const line = '{"record_id":18446744073709551615,"ratio":1.50,"exp":1E3,"s":"caf\\u00e9 \\/","destination":{"ip":"13.104.1.1"}}';
  const out = enrichLine(enricher, line, 1).text;
  t.ok(out.startsWith(line.slice(0, -1)), 'the event text up to its closing brace, unchanged');
  t.match(out, /,"IPDestination":"Microsoft","ipdest":\{/);
  t.equal(JSON.parse(out).ipdest.label, 'Microsoft');
  const empty = enrichLine(enricher, ' { \t} \r', 1).text;
  t.same(JSON.parse(empty), { ipdest: JSON.parse(JSON.stringify(enricher.judge({}))) }, 'an empty object with blanks');
  t.notOk(/^\s|\s$/.test(empty), 'no blanks around the result');
});
