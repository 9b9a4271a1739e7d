// The enriched event: shapes the real data lacks, key order kept, tags, details, and address errors.
import t from 'tap';
import { Classifier } from '../../src/lists/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';
import { Enricher, Rules, enrichLine, isFailure, type EnrichOptions, type Result } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { mustParsePrefix } from '../../src/net/index.js';
import { enrichInPlace } from '../helpers/enrich-in-place.js';

const classifier = Classifier.build([
  {
    name: 'microsoft',
    tag: 'Microsoft',
    entries: [
      { prefix: mustParsePrefix('13.104.0.0/14'), services: [], regions: [] },
      { prefix: mustParsePrefix('2603:1000::/24'), services: [], regions: [] },
    ],
  },
  ...resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) })),
]);
const OPTS: EnrichOptions = { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false };
const enricher = new Enricher(classifier, OPTS, new Rules());

interface Shape {
  why: string;
  event: Record<string, unknown>;
  ip: string;
  direction?: string;
  port?: number;
  protocol?: string;
  service?: string;
  process?: string;
}

const shapes: Shape[] = [
  {
    why: 'winlogbeat 6.x event_data, outbound',
    event: {
      event_id: 3,
      event_data: { DestinationIp: '13.107.4.50', DestinationPort: '443', Protocol: 'tcp', Initiated: 'true', Image: 'C:\\x\\a.exe', SourceIp: '10.0.0.5' },
    },
    ip: '13.107.4.50',
    direction: 'outbound',
    port: 443,
    protocol: 'tcp',
    service: 'https',
    process: 'C:\\x\\a.exe',
  },
  {
    why: 'winlogbeat 6.x, Initiated false (boolean): the remote side is SourceIp',
    event: { event_data: { DestinationIp: '10.0.0.5', DestinationPort: 3389, Protocol: 'tcp', Initiated: false, SourceIp: '13.107.4.9' } },
    ip: '13.107.4.9',
    direction: 'inbound',
    port: 3389,
    protocol: 'tcp',
    service: 'rdp',
  },
  {
    why: 'flattened winlogbeat 8 keys',
    event: {
      'winlog.event_data.DestinationIp': '2603:1000::1',
      'winlog.event_data.DestinationPort': '53',
      'winlog.event_data.Protocol': 'UDP',
      'winlog.event_data.Initiated': 'true',
    },
    ip: '2603:1000::1',
    direction: 'outbound',
    port: 53,
    protocol: 'udp',
    service: 'dns',
  },
  {
    why: 'ECS flattened destination.ip',
    event: { 'destination.ip': '8.8.8.8', 'destination.port': 853, 'network.transport': 'tcp' },
    ip: '8.8.8.8',
    direction: 'outbound',
    port: 853,
    protocol: 'tcp',
    service: 'dot',
  },
  {
    why: 'ECS inbound via network.direction ingress',
    event: { destination: { ip: '10.0.0.1', port: 22 }, source: { ip: '203.0.113.9' }, network: { direction: 'ingress', transport: 'tcp' } },
    ip: '203.0.113.9',
    direction: 'inbound',
    port: 22,
    protocol: 'tcp',
    service: 'ssh',
  },
  {
    why: 'Sophos connection row',
    event: { dst_addr: '13.104.1.1', dst_port: '443', process_uuid: '5f2c-uuid' },
    ip: '13.104.1.1',
    port: 443,
    service: 'https',
    process: '5f2c-uuid',
  },
  {
    why: 'osquery process_open_sockets row, numeric protocol',
    event: { remote_address: '8.8.4.4', remote_port: 123, protocol: 17, path: '/usr/sbin/chronyd' },
    ip: '8.8.4.4',
    port: 123,
    protocol: 'udp',
    service: 'ntp',
    process: '/usr/sbin/chronyd',
  },
  {
    why: 'NEW-OUTBOUND iptables line',
    event: { message: 'kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 LEN=60 PROTO=TCP SPT=50000 DPT=443' },
    ip: '13.107.4.50',
    direction: 'outbound',
    port: 443,
    protocol: 'tcp',
    service: 'https',
  },
  {
    why: 'IPv6 iptables line',
    event: { message: 'kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=2001:db8::5 DST=2603:1000:0:0:0:0:0:7 PROTO=UDP SPT=5000 DPT=123' },
    ip: '2603:1000:0:0:0:0:0:7',
    direction: 'outbound',
    port: 123,
    protocol: 'udp',
    service: 'ntp',
  },
  {
    why: 'ICMP line: no port',
    event: { message: 'kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 PROTO=ICMP TYPE=8 CODE=0' },
    ip: '13.107.4.50',
    direction: 'outbound',
    protocol: 'icmp',
  },
  {
    why: 'INPUT chain line: inbound, remote side is SRC',
    event: { message: 'kernel: DROP_INPUT: IN=eth0 OUT= SRC=13.107.4.50 DST=10.0.0.5 PROTO=TCP SPT=443 DPT=50000' },
    ip: '13.107.4.50',
    direction: 'inbound',
    port: 50000,
    protocol: 'tcp',
  },
  { why: 'a plain {"ip"} document', event: { ip: '13.104.0.1' }, ip: '13.104.0.1' },
];

t.test('event shapes', async (t) => {
  for (const s of shapes) {
    const d = enricher.judge(s.event);
    if (isFailure(d)) {
      t.fail(`${s.why}: ${d.error.message}`);
      continue;
    }
    t.equal(d.input, s.ip, `${s.why}: address`);
    for (const k of ['direction', 'port', 'protocol', 'service', 'process'] as const) t.equal(d[k], s[k], `${s.why}: ${k}`);
  }
});

t.test('the event keeps every key and its order; the tag and details are added at the end', async (t) => {
  const event = { z: 1, a: { b: 2 }, destination: { ip: '13.104.0.5' }, tags: ['x'], m: 'y' };
  const before = JSON.stringify(event);
  enrichInPlace(enricher, event);
  t.same(Object.keys(event), ['z', 'a', 'destination', 'tags', 'm', 'IPDestination', 'ipdest']);
  const { IPDestination, ipdest, ...rest } = event as any;
  t.equal(JSON.stringify(rest), before, 'nothing else changed');
  t.equal(IPDestination, 'Microsoft');
  t.match(ipdest, { ip: '13.104.0.5', IPDestination: 'Microsoft', label: 'Microsoft', action: 'keep', direction: 'outbound' });
});

t.test('no match: the tag field is absent, details still added', async (t) => {
  const event: Record<string, unknown> = { destination: { ip: '8.8.8.8' } };
  enrichInPlace(enricher, event);
  t.notOk('IPDestination' in event);
  t.match(event.ipdest, { label: 'Unlisted', external: true, IPDestination: null });
});

t.test('addTags, custom field names, detailsField null', async (t) => {
  const e2 = new Enricher(classifier, { ...OPTS, field: 'dest_owner', detailsField: null, addTags: true });
  const a: Record<string, unknown> = { ip: '10.1.1.1', tags: ['beats_input'] };
  enrichInPlace(e2, a);
  t.same(a, { ip: '10.1.1.1', tags: ['beats_input', 'Private'], dest_owner: 'Private' });
  const b: Record<string, unknown> = { ip: '10.1.1.1' };
  enrichInPlace(e2, b);
  t.same(b.tags, ['Private'], 'tags created when absent');
  const c: Record<string, unknown> = { ip: '10.1.1.1', tags: ['Private'] };
  enrichInPlace(e2, c);
  t.same(c.tags, ['Private'], 'not added twice');
});

t.test('NO_ADDRESS and INVALID_ADDRESS sit in the details, and the event is kept', async (t) => {
  const cases: Array<[Record<string, unknown>, string, Record<string, unknown>]> = [
    [{ foo: 1 }, 'NO_ADDRESS', {}],
    [{ destination: { ip: '%{[destination][ip]}' } }, 'NO_ADDRESS', { field: 'destination.ip' }],
    [{ destination: { ip: '010.0.0.1' } }, 'INVALID_ADDRESS', { field: 'destination.ip', value: '010.0.0.1' }],
    [{ dst_addr: 12345 }, 'INVALID_ADDRESS', { field: 'dst_addr', value: undefined, message: 'dst_addr is a number, not an address text' }], // a non-string is named, not echoed
    [{ message: 'sshd[1]: Accepted publickey' }, 'NO_ADDRESS', {}],
  ];
  for (const [event, code, extra] of cases) {
    const d = enrichInPlace(enricher, event) as Result;
    t.ok(isFailure(d), JSON.stringify(event));
    if (isFailure(d)) {
      t.equal(d.error.code, code, `${JSON.stringify(event)}: code`);
      t.match(d.error, extra, `${JSON.stringify(event)}: field and value`);
    }
    t.equal(d.action, 'keep');
    t.notOk('IPDestination' in event);
  }
});

t.test('enrichLine: malformed lines become INVALID_EVENT records naming the line', async (t) => {
  const bad = enrichLine(enricher, '{"destination": ', 7, { file: 'events.ndjson' });
  t.ok(bad.invalid);
  t.match(JSON.parse(bad.text), { ipdest: { error: { code: 'INVALID_EVENT', line: 7, file: 'events.ndjson' } } });
  for (const [line, kind] of [
    ['[1,2]', 'an array'],
    ['"x"', 'a string'],
    ['null', 'null'],
    ['42', 'a number'],
  ]) {
    const r = enrichLine(enricher, line!, 1);
    t.ok(r.invalid, line);
    t.match(JSON.parse(r.text).ipdest.error.message, kind!);
  }
  const raw = enrichLine(enricher, 'kernel: IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 PROTO=TCP DPT=443', 1, { rawNetfilter: true });
  t.notOk(raw.invalid, 'a raw netfilter line is an event when allowed');
  t.match(JSON.parse(raw.text), { message: /DST=/, IPDestination: 'Microsoft' });
  t.ok(enrichLine(enricher, 'kernel: IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50', 1).invalid, 'and not otherwise');
});

t.test('prototype-poisoning keys stay data', async (t) => {
  const r = enrichLine(enricher, '{"__proto__": {"polluted": true}, "ip": "10.0.0.1", "constructor": {"prototype": {"x": 1}}}', 1);
  t.notOk(r.invalid);
  t.equal(({} as any).polluted, undefined);
  t.match(JSON.parse(r.text), { IPDestination: 'Private' });
});

t.test('an inbound event without its source field: NO_ADDRESS naming the field it needs', async (t) => {
  const enricher = new Enricher(Classifier.build([]), {
    addressFields: DEFAULT_ADDRESS_FIELDS,
    field: 'IPDestination',
    detailsField: 'ipdest',
    addTags: false,
  });
  const cases: Array<[unknown, string, RegExp]> = [
    [
      { winlog: { event_data: { DestinationIp: '1.2.3.4', Initiated: 'false' } } },
      'winlog.event_data.SourceIp',
      /winlog\.event_data\.SourceIp is missing: the event is inbound/,
    ],
    [{ destination: { ip: '1.2.3.4' }, network: { direction: 'inbound' } }, 'source.ip', /source\.ip is missing/],
    [{ message: 'IN=eth0 OUT= DST=10.0.0.1 PROTO=TCP' }, 'message', /no SRC=: it was logged inbound/],
  ];
  for (const [event, field, message] of cases) {
    const d = enricher.judge(event);
    t.ok(isFailure(d) && d.error.code === 'NO_ADDRESS', JSON.stringify(event));
    if (isFailure(d)) t.match(d.error, { field, message }, field);
  }
});
