// Windows Security 5156, evtx_dump/Chainsaw JSON and Azure Monitor VMConnection rows: the remote side, direction, port, process, host and time each shape really gives.
import t from 'tap';
import { Classifier } from '../../src/lists/index.js';
import { resolveBuiltins } from '../../src/lists/builtins.js';
import { Enricher, isFailure, RecordReader, Rules, type EnrichOptions } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { mustParsePrefix } from '../../src/net/index.js';

const classifier = Classifier.build([
  { name: 'microsoft', tag: 'Microsoft', entries: [{ prefix: mustParsePrefix('13.104.0.0/14'), services: [], regions: [] }] },
  ...resolveBuiltins().map((b) => ({ name: b.name, tag: b.tag, entries: b.prefixes.map((p) => ({ prefix: p, services: [], regions: [] })) })),
]);
const OPTS: EnrichOptions = { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false };
const enricher = new Enricher(classifier, OPTS, new Rules());

// Event 5156's fields as Microsoft documents them ("The Windows Filtering Platform has permitted a connection").
const wfp = (over: Record<string, unknown>) => ({
  ProcessID: '1876',
  Application: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe',
  Direction: '%%14593',
  SourceAddress: '10.0.0.100',
  SourcePort: '49782',
  DestAddress: '13.107.4.50',
  DestPort: '443',
  Protocol: '6',
  ...over,
});
// A VMConnection row (Azure Monitor VM insights), its schema's columns.
const vmc = (over: Record<string, unknown>) => ({
  TimeGenerated: '2024-04-19T08:00:00Z',
  Computer: 'web-01',
  Direction: 'outbound',
  ProcessName: 'nginx',
  SourceIp: '10.1.0.4',
  DestinationIp: '13.107.4.50',
  DestinationPort: 443,
  Protocol: 'tcp',
  RemoteIp: '13.107.4.50',
  BytesSent: 1200,
  BytesReceived: 5400,
  ...over,
});

const cases: { name: string; event: Record<string, unknown>; ip: string; direction: string; port?: number; protocol?: string; process?: string }[] = [
  {
    name: '5156 outbound, NXLog flat',
    event: wfp({}),
    ip: '13.107.4.50',
    direction: 'outbound',
    port: 443,
    protocol: 'tcp',
    process: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe',
  },
  {
    name: '5156 inbound (%%14592): DestAddress is still the remote side, the service port is SourcePort',
    event: wfp({ Direction: '%%14592', SourcePort: '3389', DestAddress: '203.0.113.7', DestPort: '51234' }),
    ip: '203.0.113.7',
    direction: 'inbound',
    port: 3389,
    protocol: 'tcp',
  },
  { name: '5156 rendered "Inbound"', event: wfp({ Direction: 'Inbound', SourcePort: '22' }), ip: '13.107.4.50', direction: 'inbound', port: 22 },
  {
    name: '5156 via Winlogbeat',
    event: { winlog: { event_id: 5156, event_data: wfp({ Protocol: '17', DestPort: '53' }) } },
    ip: '13.107.4.50',
    direction: 'outbound',
    port: 53,
    protocol: 'udp',
  },
  { name: '5156 via evtx_dump', event: { Event: { EventData: wfp({}), System: { EventID: 5156 } } }, ip: '13.107.4.50', direction: 'outbound', port: 443 },
  {
    name: 'Sysmon 3 via evtx_dump / Chainsaw',
    event: {
      Event: {
        EventData: { DestinationIp: '13.107.4.50', DestinationPort: 443, Protocol: 'tcp', Initiated: true, Image: 'C:\\x.exe' },
        System: { EventID: 3 },
      },
    },
    ip: '13.107.4.50',
    direction: 'outbound',
    port: 443,
    process: 'C:\\x.exe',
  },
  { name: 'VMConnection outbound', event: vmc({}), ip: '13.107.4.50', direction: 'outbound', port: 443, protocol: 'tcp', process: 'nginx' },
  {
    name: 'VMConnection inbound: RemoteIp, not its DestinationIp (the local side)',
    event: vmc({ Direction: 'inbound', SourceIp: '198.51.100.20', DestinationIp: '10.1.0.4', RemoteIp: '198.51.100.20', DestinationPort: 80 }),
    ip: '198.51.100.20',
    direction: 'inbound',
    port: 80,
    process: 'nginx',
  },
];

t.test('each shape: the remote address and the connection facts', async (t) => {
  for (const c of cases) {
    const r = enricher.judge(c.event);
    if (isFailure(r)) {
      t.fail(`${c.name}: ${r.error.code}`);
      continue;
    }
    t.equal(r.ip, c.ip, `${c.name}: address`);
    t.equal(r.direction, c.direction, `${c.name}: direction`);
    if (c.port !== undefined) t.equal(r.port, c.port, `${c.name}: port`);
    if (c.protocol !== undefined) t.equal(r.protocol, c.protocol, `${c.name}: protocol`);
    if (c.process !== undefined) t.equal(r.process, c.process, `${c.name}: process`);
  }
});

t.test('the audit reads their host, time and bytes', async (t) => {
  const reader = new RecordReader({ kind: 'json', year: 2024 });
  const evtx = reader.read(
    JSON.stringify({
      Event: {
        EventData: wfp({}),
        System: { Computer: 'DC01.example.org', TimeCreated: { '#attributes': { SystemTime: '2024-04-19T08:01:02.123456Z' } } },
      },
    }),
  );
  t.ok(evtx !== null && 'record' in evtx);
  if (evtx !== null && 'record' in evtx) {
    t.equal(evtx.record.host, 'DC01.example.org');
    t.equal(evtx.record.time, Date.UTC(2024, 3, 19, 8, 1, 2, 123));
  }
  const chainsaw = reader.read(
    JSON.stringify({ Event: { EventData: wfp({}), System: { Computer: 'WS7', TimeCreated_attributes: { SystemTime: '2024-04-19T09:00:00Z' } } } }),
  );
  if (chainsaw !== null && 'record' in chainsaw) t.equal(chainsaw.record.time, Date.UTC(2024, 3, 19, 9));
  else t.fail('Chainsaw record');
  const row = reader.read(JSON.stringify(vmc({})));
  if (row !== null && 'record' in row) {
    t.equal(row.record.host, 'web-01');
    t.equal(row.record.time, Date.UTC(2024, 3, 19, 8));
    t.equal(row.record.bytes, 6600);
    t.equal(row.record.sizeBytes, 1200);
  } else t.fail('VMConnection record');
});
