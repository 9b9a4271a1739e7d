// Rules: every condition kind, globs, first-match order, the default, and the contract's exception pattern.
import t from 'tap';
import { Classifier } from '../../src/lists/index.js';
import { AddrParseError } from '../../src/net/index.js';
import { buildResult, type LookupResult } from '../../src/enrich/index.js';
import { Enricher, Rules, globMatcher, type EventContext, type RuleSpec } from '../../src/enrich/index.js';
import { mustParsePrefix } from '../../src/net/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';

const entry = (p: string, services: string[] = [], regions: string[] = []) => ({ prefix: mustParsePrefix(p), services, regions });
const classifier = Classifier.build([
  {
    name: 'azure',
    tag: 'Microsoft',
    entries: [entry('13.107.4.0/22', ['AzureFrontDoor.FirstParty']), entry('20.44.64.0/18', ['AzureCloud', 'AzureCloud.eastus2'], ['eastus2'])],
  },
  { name: 'aws', tag: 'AWS', entries: [entry('13.32.0.0/15', ['CLOUDFRONT'], ['GLOBAL'])] },
  ...resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) })),
]);

function judged(rules: Rules, ip: string, ctx: EventContext = {}): LookupResult {
  const c = classifier.lookup(ip);
  if (c instanceof AddrParseError) throw c;
  return buildResult(c, rules.judge(c.set, ctx), ctx);
}

function judge(spec: RuleSpec, ip: string, ctx: EventContext = {}): LookupResult {
  return judged(new Rules([spec], 'keep'), ip, ctx);
}

const drop = (extra: Omit<RuleSpec, 'action'>): RuleSpec => ({ name: 'r', action: 'drop', ...extra });

const table: Array<{ spec: RuleSpec; ip: string; ctx?: EventContext; dropped: boolean; why: string }> = [
  { spec: drop({ tags: ['Microsoft'] }), ip: '13.107.4.50', dropped: true, why: 'tags: exact' },
  { spec: drop({ tags: ['microsoft'] }), ip: '13.107.4.50', dropped: true, why: 'tags: case-insensitive' },
  { spec: drop({ tags: ['Micro*'] }), ip: '13.107.4.50', dropped: true, why: 'tags: glob' },
  { spec: drop({ tags: ['AWS'] }), ip: '13.107.4.50', dropped: false, why: 'tags: no match' },
  { spec: drop({ lists: ['aws'] }), ip: '13.32.1.1', dropped: true, why: 'lists' },
  { spec: drop({ lists: ['azure'] }), ip: '13.32.1.1', dropped: false, why: 'lists: other list' },
  { spec: drop({ scope: ['private'] }), ip: '10.1.1.1', dropped: true, why: 'scope' },
  { spec: drop({ scope: ['private'] }), ip: '8.8.8.8', dropped: false, why: 'scope: global is not private' },
  { spec: drop({ services: ['AzureFrontDoor.*'] }), ip: '13.107.4.50', dropped: true, why: 'services: a list service, glob' },
  { spec: drop({ services: ['dns'] }), ip: '8.8.8.8', ctx: { port: 53, service: 'dns' }, dropped: true, why: 'services: the port family' },
  { spec: drop({ services: ['dns'] }), ip: '8.8.8.8', ctx: { port: 443, service: 'https' }, dropped: false, why: 'services: other family' },
  { spec: drop({ regions: ['eastus*'] }), ip: '20.44.85.239', dropped: true, why: 'regions: glob' },
  { spec: drop({ regions: ['westus'] }), ip: '20.44.85.239', dropped: false, why: 'regions: no match' },
  { spec: drop({ ports: [80, 443] }), ip: '8.8.8.8', ctx: { port: 443 }, dropped: true, why: 'ports' },
  { spec: drop({ ports: [80, 443] }), ip: '8.8.8.8', ctx: { port: 8443 }, dropped: false, why: 'ports: other port' },
  { spec: drop({ ports: [443] }), ip: '8.8.8.8', dropped: false, why: 'ports: an event without a port never matches' },
  { spec: drop({ protocols: ['UDP'] }), ip: '8.8.8.8', ctx: { protocol: 'udp' }, dropped: true, why: 'protocols: case-insensitive' },
  { spec: drop({ direction: ['inbound'] }), ip: '8.8.8.8', ctx: { direction: 'inbound' }, dropped: true, why: 'direction' },
  { spec: drop({ direction: ['inbound'] }), ip: '8.8.8.8', ctx: { direction: 'outbound' }, dropped: false, why: 'direction: other' },
  {
    spec: drop({ images: ['*\\svchost.exe'] }),
    ip: '8.8.8.8',
    ctx: { process: 'C:\\Windows\\System32\\svchost.exe' },
    dropped: true,
    why: 'images: glob across backslashes',
  },
  {
    spec: drop({ images: ['*\\SVCHOST.EXE'] }),
    ip: '8.8.8.8',
    ctx: { process: 'c:\\windows\\system32\\svchost.exe' },
    dropped: true,
    why: 'images: case-insensitive',
  },
  { spec: drop({ images: ['*/curl'] }), ip: '8.8.8.8', ctx: { process: '/usr/bin/curl' }, dropped: true, why: 'images: POSIX paths' },
  {
    spec: drop({ images: ['*\\svchost.exe'] }),
    ip: '8.8.8.8',
    ctx: { process: 'C:\\Windows\\svchost.exe.bak' },
    dropped: false,
    why: 'images: anchored at the end',
  },
  { spec: drop({ external: true }), ip: '8.8.8.8', dropped: true, why: 'external: true' },
  { spec: drop({ external: false }), ip: '8.8.8.8', dropped: false, why: 'external: false' },
  { spec: drop({ tags: ['Microsoft'], ports: [443] }), ip: '13.107.4.50', ctx: { port: 80 }, dropped: false, why: 'every condition must hold' },
  { spec: drop({}), ip: '8.8.8.8', dropped: true, why: 'a rule without conditions matches everything' },
];

t.test('each condition kind', async (t) => {
  for (const row of table) {
    const r = judge(row.spec, row.ip, row.ctx);
    t.equal(r.action, row.dropped ? 'drop' : 'keep', row.why);
    if (row.dropped) t.equal(r.rule, 'r', `${row.why}: names the rule`);
    else t.equal(r.rule, undefined, `${row.why}: the default decided`);
  }
});

t.test('first match wins; unnamed rules are named by index; the default applies last', async (t) => {
  const rules = new Rules(
    [
      { action: 'keep', tags: ['AWS'] },
      { name: 'drop-cloud', action: 'drop', external: true },
    ],
    'keep',
  );
  const aws = judged(rules, '13.32.1.1');
  t.same([aws.action, aws.rule], ['keep', 0]);
  const other = judged(rules, '8.8.8.8');
  t.same([other.action, other.rule], ['drop', 'drop-cloud']);
  const priv = judged(new Rules([], 'drop'), '10.0.0.1');
  t.same([priv.action, priv.rule], ['drop', undefined], 'rules.default: drop');
});

t.test("the contract's example: Microsoft noise dropped, lolbins kept", async (t) => {
  const enricher = new Enricher(
    classifier,
    { addressFields: ['winlog.event_data.DestinationIp'], field: 'IPDestination', detailsField: 'ipdest', addTags: false },
    new Rules([
      { name: 'watch-lolbins', action: 'keep', images: ['*\\powershell.exe', '*\\rundll32.exe', '*\\mshta.exe'] },
      { name: 'microsoft-noise', action: 'drop', tags: ['Microsoft'], ports: [80, 443] },
    ]),
  );
  const ev = (image: string, ip: string, port: string) => ({
    winlog: { event_data: { DestinationIp: ip, DestinationPort: port, Image: image, Initiated: 'true', Protocol: 'tcp' } },
  });
  const cases: Array<[ReturnType<typeof ev>, string, string | undefined]> = [
    [ev('C:\\Windows\\System32\\svchost.exe', '13.107.4.50', '443'), 'drop', 'microsoft-noise'],
    [ev('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', '13.107.4.50', '443'), 'keep', 'watch-lolbins'],
    [ev('C:\\Windows\\System32\\svchost.exe', '13.107.4.50', '8080'), 'keep', undefined],
    [ev('C:\\Windows\\System32\\svchost.exe', '8.8.8.8', '443'), 'keep', undefined],
  ];
  for (const [event, action, rule] of cases) {
    const d = enricher.judge(event) as LookupResult;
    t.equal(d.action, action, `${event.winlog.event_data.Image} → ${event.winlog.event_data.DestinationIp}:${event.winlog.event_data.DestinationPort}`);
    t.equal(d.rule, rule);
  }
});

t.test('events without a usable address are never dropped', async (t) => {
  const enricher = new Enricher(
    classifier,
    { addressFields: ['ip'], field: 'IPDestination', detailsField: 'ipdest', addTags: false },
    new Rules([{ action: 'drop' }], 'drop'),
  );
  for (const ev of [{}, { ip: 'nope' }, { ip: '%{[destination][ip]}' }, { ip: 42 }]) t.equal(enricher.judge(ev).action, 'keep', JSON.stringify(ev));
});

t.test('globMatcher escapes everything but *', async (t) => {
  const re = globMatcher(['a.b(c)*', '[x]']);
  t.ok(re.test('a.b(c)zzz'));
  t.notOk(re.test('aXb(c)'));
  t.ok(re.test('[x]'));
  t.notOk(re.test('x'));
});
