// Windows Security 5156, evtx_dump/Chainsaw and Hayabusa JSON and Azure Monitor VMConnection rows: the remote side, direction, port, process, host and time each shape really gives.
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

// A Sysmon 3 event as Hayabusa's JSONL timeline writes it (standard profile), from Hayabusa's own
// guide (Yamato-Security/hayabusa, doc/AnalysisWithJQ-English.md), run on a real EVTX sample.
const HAYABUSA = {
  Timestamp: '2019-07-30 06:33:20.711 +09:00',
  Computer: 'MSEDGEWIN10',
  Channel: 'Sysmon',
  EventID: 3,
  Level: 'med',
  RecordID: 4908,
  RuleTitle: 'Net Conn (Sysmon Alert)',
  Details: {
    Proto: 'tcp',
    SrcIP: '10.0.2.15',
    SrcPort: 49827,
    SrcHost: 'MSEDGEWIN10.home',
    TgtIP: '93.184.220.29',
    TgtPort: 80,
    TgtHost: '',
    User: 'MSEDGEWIN10\\IEUser',
    Proc: 'C:\\Windows\\System32\\mshta.exe',
    PID: 3164,
    PGUID: '747F3D96-661E-5D3F-0000-00107F248700',
  },
};
// The same event with `--profile super-verbose`: `AllFieldInfo` holds the event's own fields.
const HAYABUSA_ALL = {
  ...HAYABUSA,
  AllFieldInfo: {
    UtcTime: '2019-07-29 21:33:19.000',
    ProcessGuid: '{747F3D96-661E-5D3F-0000-00107F248700}',
    ProcessId: 3164,
    Image: 'C:\\Windows\\System32\\mshta.exe',
    User: 'MSEDGEWIN10\\IEUser',
    Protocol: 'tcp',
    Initiated: true,
    SourceIp: '10.0.2.15',
    SourcePort: 49827,
    DestinationIp: '93.184.220.29',
    DestinationPort: 80,
  },
};

const cases: { name: string; event: Record<string, unknown>; ip: string; direction: string | undefined; port?: number; protocol?: string; process?: string }[] =
  [
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
    {
      name: 'Sysmon 3 as Hayabusa Details (they give no direction: none said)',
      event: HAYABUSA,
      ip: '93.184.220.29',
      direction: undefined,
      port: 80,
      protocol: 'tcp',
      process: 'C:\\Windows\\System32\\mshta.exe',
    },
    {
      name: 'Sysmon 3 as Hayabusa AllFieldInfo, inbound (Initiated false): the remote SourceIp, not Details.TgtIP',
      event: {
        ...HAYABUSA_ALL,
        AllFieldInfo: { ...HAYABUSA_ALL.AllFieldInfo, Initiated: 'false', SourceIp: '198.51.100.9', DestinationIp: '10.0.2.15', DestinationPort: 3389 },
      },
      ip: '198.51.100.9',
      direction: 'inbound',
      port: 3389,
    },
    {
      name: '5156 as Hayabusa AllFieldInfo',
      event: {
        Timestamp: '2024-04-19 10:00:00.000 +02:00',
        Computer: 'DC01',
        Channel: 'Sec',
        EventID: 5156,
        AllFieldInfo: wfp({ Direction: '%%14592', SourcePort: '445', DestAddress: '203.0.113.8' }),
      },
      ip: '203.0.113.8',
      direction: 'inbound',
      port: 445,
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

t.test("Hayabusa JSONL: host from Computer, time from its Timestamp (with its offset), or the event's own UtcTime", async (t) => {
  const reader = new RecordReader({ kind: 'json', year: 2024 });
  const plain = reader.read(JSON.stringify(HAYABUSA));
  if (plain !== null && 'record' in plain) {
    t.equal(plain.record.host, 'MSEDGEWIN10');
    t.equal(plain.record.time, Date.UTC(2019, 6, 29, 21, 33, 20, 711), '+09:00 taken off');
    t.equal(plain.record.extracted?.value ?? enricher.extract(plain.record.event).value, '93.184.220.29');
  } else t.fail('Hayabusa record');
  const all = reader.read(JSON.stringify(HAYABUSA_ALL));
  if (all !== null && 'record' in all) t.equal(all.record.time, Date.UTC(2019, 6, 29, 21, 33, 19), "Sysmon's UtcTime first");
  else t.fail('Hayabusa super-verbose record');
  // A Hayabusa event that is no connection (a logon) has no address: skipped as such by the audit.
  const logon = enricher.judge({ Timestamp: '2021-12-12 16:16:04.237 +09:00', EventID: 4624, Details: { Type: 3, TgtUser: 'admmig', SrcIP: '10.23.123.11' } });
  t.ok(isFailure(logon) && logon.error.code === 'NO_ADDRESS', 'a logon event: no address');
});
