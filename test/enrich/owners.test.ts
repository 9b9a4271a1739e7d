// Owners in results: every answer path writes the same `owner` as the result object, for global addresses only.
import t from 'tap';
import fc from 'fast-check';
import { Enricher, resultJson } from '../../src/enrich/index.js';
import { Classifier, OwnerTableBuilder } from '../../src/lists/index.js';
import { mustParsePrefix } from '../../src/net/index.js';

const owners = (() => {
  const b = new OwnerTableBuilder();
  b.addAsnText(
    [
      '13.64.0.0,13.107.255.255,8075,Microsoft Corporation',
      '10.0.0.0,10.255.255.255,64512,"Private, Inc."',
      '2603:1000::,2603:10ff:ffff:ffff:ffff:ffff:ffff:ffff,8075,Microsoft Corporation',
      '198.51.100.0,198.51.100.255,64500,"Doc ""Net"""',
    ].join('\n'),
    'asn.csv',
  );
  b.addCountryText(['13.0.0.0,13.255.255.255,US', '198.51.100.0,198.51.100.127,NL'].join('\n'), 'cc.csv');
  return b.build();
})();

const classifier = Classifier.build([
  { name: 'azure', tag: 'Microsoft', entries: [{ prefix: mustParsePrefix('13.107.4.0/22'), services: ['AzureFrontDoor.FirstParty'], regions: [] }] },
  { name: 'private', tag: 'Private', entries: [{ prefix: mustParsePrefix('10.0.0.0/8'), services: [], regions: [] }] },
]);
const options = { addressFields: ['ip'], field: 'IPDestination', detailsField: 'ipdest', addTags: false };
const enricher = new Enricher(classifier, options, undefined, undefined, owners);

t.test('owners by address: global ones only, as much as the data knows', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['13.107.4.50', { asn: 8075, org: 'Microsoft Corporation', country: 'US' }],
    ['13.1.1.1', { country: 'US' }],
    ['198.51.100.1', undefined], // documentation space: not global, so no owner even though a row holds it
    ['10.1.2.3', undefined], // private: the dataset's row is never shown
    ['2603:1000::1', { asn: 8075, org: 'Microsoft Corporation' }],
    ['::ffff:13.107.4.50', { asn: 8075, org: 'Microsoft Corporation', country: 'US' }],
    ['8.8.8.8', undefined],
  ];
  for (const [ip, want] of cases) {
    const r = enricher.lookup(ip) as { owner?: unknown };
    t.same(r.owner, want, ip);
    t.equal('owner' in r, want !== undefined, `${ip}: the key only where known`);
  }
});

t.test('lookupJson, lookupMany, judgeText and resultJson write JSON.stringify of the result (property)', async (t) => {
  const ip = fc.oneof(
    fc.tuple(fc.constantFrom(13, 10, 198, 8), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.')),
    fc.tuple(fc.constantFrom('2603:1000', '2603:10ff', '2001:db8'), fc.nat(0xffff)).map(([p, x]) => `${p}::${x.toString(16)}`),
  );
  fc.assert(
    fc.property(ip, fc.constantFrom(undefined, 443, 53), (addr, port) => {
      const want = JSON.stringify(enricher.lookup(addr));
      if (enricher.lookupJson(addr) !== want) throw new Error(`lookupJson ${addr}`);
      if (enricher.lookupMany([addr, addr])[1] !== want) throw new Error(`lookupMany ${addr}`);
      if (resultJson(enricher.lookup(addr)) !== want) throw new Error(`resultJson ${addr}`);
      const event = port === undefined ? { ip: addr } : { ip: addr, DestinationPort: port };
      const judged = enricher.judgeText(event);
      if (judged.json !== JSON.stringify(judged.result) || JSON.stringify(enricher.judge(event)) !== judged.json) throw new Error(`judgeText ${addr}`);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 addresses');
});

t.test('a reload keeps the owner layer; without one, results have no owner', async (t) => {
  t.same((enricher.withClassifier(classifier).lookup('13.107.4.50') as { owner?: unknown }).owner, { asn: 8075, org: 'Microsoft Corporation', country: 'US' });
  t.notOk('owner' in new Enricher(classifier, options).lookup('13.107.4.50'));
});
