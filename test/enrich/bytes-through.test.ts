// Nothing changes on the way through: every route and the CLI give back the event's bytes plus only ipdest's additions.
import t from 'tap';
import fc from 'fast-check';
import { Classifier } from '../../src/lists/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';
import { Enricher, Rules, arrayElementSpans, enrichLine, enrichToText, type EnrichOptions } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { mustParsePrefix } from '../../src/net/index.js';
import { testApp } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';

// A generated member: its key as written, its value as written, and the blanks around the colon.
interface Member {
  key: string;
  keyText: string;
  valueText: string;
  colon: string;
}
interface EventText {
  text: string;
  members: Member[];
}

const blank = fc.constantFrom('', '', ' ', '  ', '\t', '\n ', '\r\n');
// Number spellings JSON.parse reads but JSON.stringify would not give back.
const numberText = fc.oneof(
  fc.constantFrom(
    '-9223372036854775808',
    '12345678901234567890',
    '1.0e3',
    '1E+2',
    '1.50',
    '-0',
    '0.000001',
    '1e-7',
    '18446744073709551615',
    '9007199254740993',
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
);
// Strings with escapes where JSON.stringify writes the character itself.
const stringText = fc.string({ maxLength: 12 }).map((s) => {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20 || c % 3 === 0) out += c > 0xffff ? JSON.stringify(ch).slice(1, -1) : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
});
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, numberText, stringText, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc
    .array(fc.tuple(blank, tie('value') as fc.Arbitrary<string>, blank), { maxLength: 3 })
    .map((xs) => `[${xs.map(([a, v, b]) => a + v + b).join(',')}]`),
  object: fc
    .array(fc.tuple(stringText, blank, tie('value') as fc.Arbitrary<string>), { maxLength: 3 })
    .map((xs) => `{${xs.map(([k, b, v]) => `${k}${b}:${v}`).join(',')}}`),
}));
const valueText = anyValue as fc.Arbitrary<string>;

// Keys an event may carry: ipdest's own (a spoofed tag or details, tags), address fields, and others.
const keyName = fc.constantFrom('IPDestination', 'ipdest', 'tags', 'Keywords', 'RecordNumber', 'é', 'a"b', '1', 'msg');
const address = fc.constantFrom('"13.104.1.1"', '"8.8.8.8"', '"10.0.0.1"', '"not an address"', '"%{[destination][ip]}"', '5', '[]', 'null');

const eventText: fc.Arbitrary<EventText> = fc
  .tuple(
    fc.array(
      fc.tuple(
        keyName,
        blank,
        fc.oneof(
          valueText,
          fc.array(stringText, { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
        ),
      ),
      { maxLength: 6 },
    ),
    fc.option(address, { nil: undefined }),
    blank,
    blank,
  )
  .map(([pairs, ip, before, after]) => {
    const members: Member[] = [];
    const seen = new Set<string>();
    for (const [key, colon, value] of pairs) {
      if (seen.has(key)) continue; // duplicate keys: a separate test
      seen.add(key);
      members.push({ key, keyText: JSON.stringify(key), valueText: value, colon });
    }
    if (ip !== undefined) members.splice(members.length >> 1, 0, { key: 'ip', keyText: '"ip"', valueText: ip, colon: '' });
    return { text: `${before}{${members.map((m) => `${m.keyText}${m.colon}:${m.valueText}`).join(',')}}${after}`, members };
  });

const builtins = resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) }));
const classifier = Classifier.build([
  { name: 'ms', tag: 'Microsoft', entries: [{ prefix: mustParsePrefix('13.104.0.0/14'), services: ['AzureCloud'], regions: [] }] },
  ...builtins,
]);
const rules = new Rules([{ action: 'drop', tags: ['Private'] }]);

/**
 * The oracle: what the generator wrote. Each member that is not ipdest's comes back as written
 * (key, blanks, value), in order; parsed, the output is the input with ipdest's fields set.
 */
function check(input: EventText, output: string, o: EnrichOptions): string | null {
  const ours = new Set([o.field, ...(o.detailsField === null ? [] : [o.detailsField]), ...(o.addTags ? ['tags'] : [])]);
  let at = 0;
  for (const m of input.members) {
    if (ours.has(m.key)) continue;
    const raw = `${m.keyText}${m.colon}:${m.valueText}`;
    const i = output.indexOf(raw, at);
    if (i < 0) return `member ${raw} not found as written`;
    at = i + raw.length;
  }
  const got = JSON.parse(output) as Record<string, unknown>;
  const want = JSON.parse(input.text) as Record<string, unknown>;
  const tag = got[o.field];
  const details = o.detailsField === null ? undefined : (got[o.detailsField] as { IPDestination?: string | null } | undefined);
  if (details !== undefined && (details.IPDestination ?? undefined) !== tag) return `tag ${String(tag)} is not the details' ${String(details.IPDestination)}`;
  for (const k of Object.keys(want)) {
    if (ours.has(k)) continue;
    if (JSON.stringify(got[k]) !== JSON.stringify(want[k])) return `member ${k} changed`;
  }
  for (const k of Object.keys(got)) if (!(k in want) && !ours.has(k)) return `member ${k} added`;
  if (o.addTags && typeof tag === 'string') {
    const tags = got.tags;
    if (!Array.isArray(tags) || !tags.includes(tag)) return 'tag not in tags';
  }
  return null;
}

/** The event as one NDJSON line: its line breaks (all in blanks) become spaces. */
function flatten(ev: EventText): EventText {
  const flat = (x: string) => x.replace(/[\r\n]/g, ' ');
  return { text: flat(ev.text), members: ev.members.map((m) => ({ ...m, colon: flat(m.colon), valueText: flat(m.valueText) })) };
}

const OPTION_SETS: EnrichOptions[] = [
  { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false },
  { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: true },
  { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: null, addTags: false },
  { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: null, addTags: true },
];

t.test('enrichToText and enrichLine: the input bytes plus only the additions, every option set', async (t) => {
  for (const o of OPTION_SETS) {
    const enricher = new Enricher(classifier, o, rules);
    fc.assert(
      fc.property(eventText, (ev) => {
        const event = JSON.parse(ev.text) as Record<string, unknown>;
        const a = check(ev, enrichToText(enricher, event, ev.text).text, o);
        if (a !== null) throw new Error(`${a} in ${JSON.stringify(ev.text)}`);
        const b = check(ev, enrichLine(enricher, ev.text, 1).text, o);
        if (b !== null) throw new Error(`line: ${b} in ${JSON.stringify(ev.text)}`);
      }),
      { numRuns: 400, seed: 9 },
    );
    t.pass(`addTags ${o.addTags}, details ${o.detailsField}`);
  }
});

t.test('the reported cases, byte for byte', async (t) => {
  const enricher = new Enricher(classifier, OPTION_SETS[1]!, rules);
  const cases: Array<[string, string]> = [
    // NXLog's Keywords is a 64-bit integer; JSON.parse rounds it, and the text must not be.
    ['{"Keywords":-9223372036854775808,"ip":"8.8.8.8"}', '{"Keywords":-9223372036854775808,"ip":"8.8.8.8","ipdest":'],
    ['{"n":12345678901234567890,"ip":"8.8.8.8"}', '{"n":12345678901234567890,"ip":"8.8.8.8","ipdest":'],
    ['{"n":1.0e3,"s":"\\u00e9","ip":"8.8.8.8"}', '{"n":1.0e3,"s":"\\u00e9","ip":"8.8.8.8","ipdest":'],
    // addTags: the tags array is edited in its text, not serialised again.
    ['{"tags":["a\\u00e9", 1.0e3 ],"ip":"13.104.1.1"}', '{"tags":["a\\u00e9", 1.0e3 ,"Microsoft"],"ip":"13.104.1.1","IPDestination":"Microsoft","ipdest":'],
    ['{"tags":"x","ip":"13.104.1.1"}', '{"tags":["x","Microsoft"],"ip":"13.104.1.1","IPDestination":"Microsoft","ipdest":'],
    // A spoofed tag is replaced where it stands, and removed when no list matched.
    ['{"IPDestination":"Microsoft","ip":"8.8.8.8"}', '{"ip":"8.8.8.8","ipdest":'],
    ['{"a":1,"IPDestination":"Microsoft","ip":"8.8.8.8","z":2}', '{"a":1,"ip":"8.8.8.8","z":2,"ipdest":'],
    ['{"IPDestination":"AWS","ip":"13.104.1.1"}', '{"IPDestination":"Microsoft","ip":"13.104.1.1","tags":["Microsoft"],"ipdest":'],
    ['{"ipdest":{"label":"Microsoft"},"ip":"8.8.8.8","IPDestination":"x","IPDestination":"y"}', '{"ipdest":{"input":"8.8.8.8"'],
  ];
  for (const [input, prefix] of cases) {
    const out = enrichLine(enricher, input, 1).text;
    t.ok(out.startsWith(prefix), `${input} → ${out.slice(0, prefix.length + 20)}`);
    t.notOk(/"IPDestination":"(x|y|AWS)"/.test(out), 'no spoofed tag survives');
    t.doesNotThrow(() => JSON.parse(out));
  }
  const spoofed = JSON.parse(enrichLine(enricher, '{"IPDestination":"Microsoft","ip":"8.8.8.8"}', 1).text);
  t.equal(spoofed.IPDestination, undefined, 'Unlisted: the spoofed tag is gone');
  t.equal(spoofed.ipdest.label, 'Unlisted');
});

t.test('every route and the CLI give back the bytes', async (t) => {
  for (const addTags of [false, true]) {
    const { app } = await testApp({
      config: `
lists:
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-sample.csv }
enrich: { addTags: ${addTags} }
`,
    });
    t.teardown(() => app.close());
    const o = { ...OPTION_SETS[0]!, addTags };
    const samples = fc.sample(eventText, { numRuns: 60, seed: addTags ? 2 : 1 });
    for (const ev of samples) {
      const one = await app.inject({ method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: ev.text });
      t.equal(one.statusCode, 200);
      const e1 = check(ev, one.body, o);
      if (e1 !== null) t.fail(`POST /enrich: ${e1} in ${ev.text}`);
    }
    const arrayBody = `[ ${samples.map((s) => s.text).join(' ,\n')} ]`;
    const arr = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/json' }, payload: arrayBody });
    t.equal(arr.statusCode, 200);
    const spans = arrayElementSpans(arr.body);
    t.equal(spans.length, samples.length);
    samples.forEach((ev, i) => {
      const e = check(ev, arr.body.slice(spans[i]![0], spans[i]![1]), o);
      if (e !== null) t.fail(`JSON array batch: ${e} in ${ev.text}`);
    });
    const ndjson = samples.map((s) => flatten(s).text).join('\n') + '\n';
    const nd = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
    const lines = nd.body.trimEnd().split('\n');
    t.equal(lines.length, samples.length);
    samples.forEach((ev, i) => {
      const e = check(flatten(ev), lines[i]!, o);
      if (e !== null) t.fail(`NDJSON: ${e} in ${ev.text}`);
    });
    if (!addTags) {
      // The CLI on its shipped configuration: the same bytes back.
      const cli = await runCli(['enrich'], ndjson);
      const outLines = cli.out.trimEnd().split('\n');
      t.equal(outLines.length, samples.length);
      samples.forEach((ev, i) => {
        const e = check(flatten(ev), outLines[i]!, o);
        if (e !== null) t.fail(`CLI: ${e} in ${ev.text}`);
      });
    }
  }
});
