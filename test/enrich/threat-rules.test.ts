// Threat lists and the owner/hosting rule conditions: table-driven, the real FireHOL feed, and the shipped rules over random events.
import t from 'tap';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { Enricher, Rules, isFailure, type LookupResult, type RuleSpec } from '../../src/enrich/index.js';
import { Classifier, OwnerTableBuilder, loadLists, type ClassifierList } from '../../src/lists/index.js';
import { mustParsePrefix } from '../../src/net/index.js';
import { PROJECT_ROOT, SHARED_DATA, sharedData } from '../helpers/shared-data.js';

const entry = (p: string, services: string[] = []) => ({ prefix: mustParsePrefix(p), services, regions: [] });
const LISTS: ClassifierList[] = [
  {
    name: 'azure',
    tag: 'Microsoft',
    format: 'azure-service-tags',
    entries: [
      entry('13.107.4.0/22', ['AzureFrontDoor.FirstParty']),
      entry('20.0.0.0/11', ['AzureCloud', 'Storage']),
      entry('40.64.0.0/10', ['AzureUpdateDelivery']),
    ],
  },
  { name: 'feodo', tag: 'Threat', kind: 'threat', format: 'netset', entries: [entry('20.1.2.3/32'), entry('10.0.0.0/8'), entry('13.107.4.50/32')] },
  { name: 'mine', tag: 'Mine', format: 'text', entries: [entry('198.51.100.0/24')] },
];
const classifier = Classifier.build(LISTS);
const owners = (() => {
  const b = new OwnerTableBuilder();
  b.addAsnText(
    '13.64.0.0,13.107.255.255,8075,Microsoft Corporation\n20.0.0.0,20.31.255.255,8075,Microsoft Corporation\n40.64.0.0,40.127.255.255,8068,Microsoft Corporation\n',
    'asn.csv',
  );
  return b.build();
})();
const OPTIONS = { addressFields: ['ip'], field: 'IPDestination', detailsField: 'ipdest', addTags: false };
const judge = (rules: RuleSpec[], event: Record<string, unknown>, dflt: 'keep' | 'drop' = 'keep') =>
  new Enricher(classifier, OPTIONS, new Rules(rules, dflt), undefined, owners).judge(event) as LookupResult;

t.test('threat in results: threat lists never set the tag, never mark a private address', async (t) => {
  const e = new Enricher(classifier, OPTIONS, undefined, undefined, owners);
  const c2 = e.lookup('20.1.2.3') as LookupResult;
  t.same(c2.threat, [{ list: 'feodo', prefix: '20.1.2.3/32' }]);
  t.equal(c2.IPDestination, 'Microsoft', 'the provider keeps the tag');
  t.equal(c2.matches[0]!.hosting, 'customer');
  t.notOk('threat' in e.lookup('20.1.2.4'), 'beside it: none');
  t.notOk('threat' in e.lookup('10.1.2.3'), 'a private address inside a listed 10/8 is no threat');
  t.equal(JSON.stringify(c2), e.lookupJson('20.1.2.3'), 'the JSON text is the object’s');
  t.equal(Object.keys(c2).join(','), 'input,ip,version,mapped,IPDestination,label,tags,matches,threat,scope,external,owner,action', 'key order');
});

t.test('conditions: hosting, asns, orgs, threat (table-driven)', async (t) => {
  const cases: Array<[string, RuleSpec, string, 'keep' | 'drop']> = [
    ['hosting first-party', { action: 'drop', hosting: ['first-party'] }, '40.64.1.1', 'drop'],
    ['hosting first-party, customer space', { action: 'drop', hosting: ['first-party'] }, '20.5.5.5', 'keep'],
    ['hosting customer', { action: 'drop', hosting: ['customer'] }, '20.5.5.5', 'drop'],
    ['hosting: not a provider list', { action: 'drop', hosting: ['first-party', 'customer'] }, '198.51.100.1', 'keep'],
    ['asns hit', { action: 'drop', asns: [8068] }, '40.64.1.1', 'drop'],
    ['asns miss', { action: 'drop', asns: [8068] }, '20.5.5.5', 'keep'],
    ['asns: no owner', { action: 'drop', asns: [8075] }, '8.8.8.8', 'keep'],
    ['orgs glob', { action: 'drop', orgs: ['microsoft*'] }, '20.5.5.5', 'drop'],
    ['orgs miss', { action: 'drop', orgs: ['Google*'] }, '20.5.5.5', 'keep'],
    ['threat: false on a clean address', { action: 'drop', threat: false }, '20.5.5.5', 'drop'],
    ['threat: true drops a threat', { action: 'drop', threat: true }, '20.1.2.3', 'drop'],
    ['a tag rule never drops a threat', { action: 'drop', tags: ['Microsoft'] }, '20.1.2.3', 'keep'],
    ['a rule naming the threat list drops it', { action: 'drop', lists: ['feodo'] }, '20.1.2.3', 'drop'],
    ['a rule naming another list does not', { action: 'drop', lists: ['azure'] }, '20.1.2.3', 'keep'],
  ];
  for (const [name, rule, ip, want] of cases) t.equal(judge([rule], { ip }).action, want, name);
  t.equal(judge([], { ip: '20.1.2.3' }, 'drop').action, 'keep', 'default drop never drops a threat');
  t.equal(judge([], { ip: '20.5.5.5' }, 'drop').action, 'drop', 'default drop drops the rest');
});

t.test('owner rules: every answer path agrees (the verdict is per address, not per set)', async (t) => {
  const e = new Enricher(classifier, OPTIONS, new Rules([{ action: 'drop', asns: [8068] }]), undefined, owners);
  for (const ip of ['40.64.1.1', '20.5.5.5', '13.107.4.1', '8.8.8.8']) {
    t.equal(e.lookupJson(ip), JSON.stringify(e.lookup(ip)), ip);
    t.equal(e.judgeText({ ip, DestinationPort: 443 }).json, JSON.stringify(e.judge({ ip, DestinationPort: 443 })), `${ip} with a port`);
  }
});

t.test(
  'the real FireHOL level1 feed as a threat list: its bogons are left out and counted',
  sharedData('threat-intel', 'firehol', 'firehol_level1.netset'),
  async (t) => {
    const set = await loadLists([{ name: 'firehol', tag: 'Threat', kind: 'threat', format: 'netset', path: 'threat-intel/firehol/firehol_level1.netset' }], {
      baseDir: SHARED_DATA,
    });
    const l = set.lists.find((x) => x.name === 'firehol')!;
    t.equal(l.state, 'loaded');
    t.match(l.warnings.join('\n'), /\d+ entr(y|ies) inside special-purpose ranges left out .*10\.0\.0\.0\/8/);
    t.notOk(
      l.entries.some((e) => e.prefix.toString() === '192.168.0.0/16'),
      '192.168/16 is not loaded',
    );
    const e = new Enricher(set.classifier, OPTIONS);
    for (const ip of ['10.1.2.3', '192.168.1.1', '127.0.0.1', '224.0.0.251']) t.notOk('threat' in e.lookup(ip), `${ip} is never a threat`);
    const listed = l.entries.find((x) => x.prefix.version === 4)!.prefix.addr.toString();
    t.match(e.lookup(listed), { threat: [{ list: 'firehol' }] }, `${listed} (listed) is`);
  },
);

t.test('the shipped rules never drop an inbound, customer-space or threat-listed event (property)', sharedData('azure'), async (t) => {
  const { config } = loadConfig(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), {});
  const sources = config.lists
    .filter((l) => l.name !== 'm365')
    .map((l) => ({
      ...l,
      path: {
        azure: 'azure/ServiceTags_Public_*.json',
        microsoft: 'microsoft/msft-public-ips.csv',
        aws: 'aws/ip-ranges.json',
        'google-cloud': 'google/cloud.json',
        google: 'google/goog.json',
      }[l.name]!,
    }));
  const set = await loadLists(
    [...sources, { name: 'feodo', tag: 'Threat', kind: 'threat' as const, format: 'netset' as const, path: 'threat-intel/abuse.ch/ipblocklist.txt' }],
    { baseDir: SHARED_DATA, builtins: config.builtins },
  );
  const e = new Enricher(set.classifier, config.enrich, new Rules(config.rules.list, config.rules.default));
  // Remote addresses from every list (first-party, customer and threat space), plus the drop rule's own targets.
  const pool: string[] = [];
  for (const l of set.lists)
    for (let i = 0; i < l.entries.length; i += Math.max(1, Math.floor(l.entries.length / 300))) pool.push(l.entries[i]!.prefix.addr.toString());
  for (const en of set.lists.find((l) => l.name === 'azure')!.entries)
    if (en.services.some((s) => /^(AzureUpdateDelivery|OneDsCollector)/.test(s))) pool.push(en.prefix.addr.toString());
  let drops = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...pool),
      fc.boolean(),
      fc.constantFrom(80, 443, 53, 8080, 3389),
      fc.constantFrom(
        'C:\\Windows\\System32\\svchost.exe',
        'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        'C:\\Program Files\\App\\app.exe',
      ),
      (remote, inbound, port, image) => {
        const data = inbound
          ? { SourceIp: remote, DestinationIp: '10.1.2.3', Initiated: 'false', DestinationPort: String(port), Image: image }
          : { SourceIp: '10.1.2.3', DestinationIp: remote, Initiated: 'true', DestinationPort: String(port), Image: image };
        const r = e.judge({ winlog: { event_id: '3', event_data: data } });
        if (isFailure(r) || r.action !== 'drop') return;
        drops++;
        if (inbound) throw new Error(`inbound ${remote} dropped`);
        if (r.threat) throw new Error(`threat ${remote} dropped`);
        const h = r.matches.find((m) => m.hosting)?.hosting;
        if (h === 'customer') throw new Error(`customer space ${remote} dropped by ${String(r.rule)}`);
      },
    ),
    { numRuns: 3000 },
  );
  t.pass(`3000 random events; ${drops} dropped, none inbound, customer or threat`);
});
