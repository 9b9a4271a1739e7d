// The starter rules shipped in config/ipdest.yaml, over the real lists and events of ../shared/data:
// inbound is never dropped, rentable cloud space is never dropped, the lolbins are kept, and the
// rules do drop something real.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { loadLists, type ListSet, type ListSource } from '../../src/lists/index.js';
import { Enricher, Rules, isFailure, type LookupResult, type Result } from '../../src/enrich/index.js';
import { dataPath, PROJECT_ROOT, sharedData, SHARED_DATA } from '../helpers/shared-data.js';

const config: Config = loadConfig(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), {}).config;
// The shipped config's lists, read from ../shared/data instead of cidr-lists/ (same names and formats).
const REAL_LISTS: ListSource[] = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'bench', 'real-lists.json'), 'utf8'));

const LOLBINS = [
  'powershell.exe',
  'pwsh.exe',
  'rundll32.exe',
  'mshta.exe',
  'regsvr32.exe',
  'certutil.exe',
  'bitsadmin.exe',
  'wscript.exe',
  'cscript.exe',
  'msiexec.exe',
];
const SVCHOST = 'C:\\Windows\\System32\\svchost.exe';
const LOCAL = '10.1.2.3';

interface Conn {
  remote: string;
  image?: string;
  port?: number;
  inbound?: boolean;
}

/** The same connection in each event shape ipdest reads, as the shippers write it. */
const SHAPES: Record<string, (c: Conn) => unknown> = {
  'winlogbeat 8': (c) => ({ winlog: { event_id: '3', event_data: sysmonData(c) } }),
  'winlogbeat 6': (c) => ({ event_id: 3, event_data: sysmonData(c) }),
  'NXLog flat': (c) => ({ EventID: 3, ...sysmonData(c) }),
  'winlogbeat 7 ECS': (c) => ({
    destination: { ip: c.inbound ? LOCAL : c.remote, port: c.port ?? 443 },
    source: { ip: c.inbound ? c.remote : LOCAL, port: 50123 },
    network: { direction: c.inbound ? 'inbound' : 'outbound', transport: 'udp' },
    process: { executable: c.image ?? SVCHOST },
  }),
};

// Sysmon logs an accepted connection (Initiated false) with the remote peer as SourceIp.
function sysmonData(c: Conn): Record<string, string> {
  return {
    Image: c.image ?? SVCHOST,
    Protocol: 'udp',
    Initiated: c.inbound ? 'false' : 'true',
    SourceIp: c.inbound ? c.remote : LOCAL,
    SourcePort: '50123',
    DestinationIp: c.inbound ? LOCAL : c.remote,
    DestinationPort: String(c.port ?? 443),
  };
}

function netfilter(c: Conn): unknown {
  const [src, dst, io] = c.inbound ? [c.remote, LOCAL, 'IN=eth0 OUT='] : [LOCAL, c.remote, 'IN= OUT=eth0'];
  return {
    message: `Jan 12 10:00:00 host kernel: [ 1.0] FW ${io} SRC=${src} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=UDP SPT=50123 DPT=${c.port ?? 443} LEN=40`,
  };
}

let set: ListSet;
let enricher: Enricher;
/** Addresses the starter rules drop (taken from the real lists), to test what keeps them. */
let dropTargets: Array<{ why: string; ip: string }> = [];

function entriesWith(list: string, pred: (services: readonly string[]) => boolean) {
  return set.lists.find((l) => l.name === list)!.entries.filter((e) => pred(e.services));
}

const network = (prefix: { toString(): string }) => prefix.toString().split('/')[0]!;

t.before(async () => {
  if (sharedData('azure').skip) return;
  set = await loadLists(REAL_LISTS, { baseDir: SHARED_DATA, builtins: config.builtins });
  enricher = new Enricher(set.classifier, config.enrich, new Rules(config.rules.list, config.rules.default));
  const first = (service: string, v: 4 | 6) => network(entriesWith('azure', (s) => s.includes(service)).find((e) => e.prefix.version === v)!.prefix);
  dropTargets = [
    { why: 'LLMNR multicast', ip: '224.0.0.252' },
    { why: 'LLMNR multicast (IPv6)', ip: 'ff02::1:3' },
    { why: 'broadcast', ip: '255.255.255.255' },
    { why: 'Windows Update (AzureUpdateDelivery)', ip: first('AzureUpdateDelivery', 4) },
    { why: 'Windows Update (AzureUpdateDelivery, IPv6)', ip: first('AzureUpdateDelivery', 6) },
    { why: 'diagnostic data (OneDsCollector)', ip: first('OneDsCollector', 4) },
  ];
});

function judge(event: unknown): Result {
  return enricher.judge(event);
}

/** Why an address must never be dropped, from its matches; undefined when nothing forbids it. */
function rentable(d: Result): string | undefined {
  if (isFailure(d)) return undefined;
  const r = d as LookupResult;
  for (const m of r.matches) {
    if (m.list === 'azure' && m.services.length > 0 && m.services.every((s) => /^AzureCloud(\.|$)/.test(s))) return `AzureCloud-only ${m.prefix}`;
    if (m.list === 'aws' && m.services.includes('EC2')) return `AWS EC2 ${m.prefix}`;
    if (m.list === 'google-cloud') return `Google Cloud ${m.prefix}`;
  }
  return undefined;
}

t.test('the shipped rules: inbound kept first, then the lolbins, and only then any drop', async (t) => {
  const list = config.rules.list;
  t.equal(config.rules.default, 'keep');
  t.same(list[0], { name: 'keep-inbound', action: 'keep', direction: ['inbound'] }, 'rule 0 keeps every inbound event, with no other condition');
  t.same(list[1], { name: 'keep-threat', action: 'keep', threat: true }, 'rule 1 keeps every threat-listed address');
  t.equal(list[2]!.name, 'keep-lolbins');
  t.equal(list[2]!.action, 'keep');
  const firstDrop = list.findIndex((r) => r.action === 'drop');
  t.ok(firstDrop > 1, 'no drop before the two keep rules');
  for (const r of list.filter((r) => r.action === 'drop')) {
    t.same(r.direction, ['outbound'], `${r.name}: drops outbound only`);
    t.notOk(r.tags, `${r.name}: no drop on a provider tag`);
  }
});

t.test('real events of every shape: inbound never dropped, rentable space never dropped, and something is dropped', sharedData('sysmon'), async (t) => {
  const events: Array<{ where: string; event: unknown }> = [];
  for (const f of readdirSync(dataPath('sysmon')).sort()) {
    readFileSync(dataPath('sysmon', f), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (l.trim()) events.push({ where: `sysmon/${f}:${i + 1}`, event: JSON.parse(l) });
      });
  }
  for (const f of readdirSync(dataPath('iptables')).sort()) {
    readFileSync(dataPath('iptables', f), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (l.trim()) events.push({ where: `iptables/${f}:${i + 1}`, event: { message: l } });
      });
  }
  let inbound = 0;
  const dropped = new Map<string, number>();
  const bad: string[] = [];
  for (const { where, event } of events) {
    const d = judge(event);
    if (d.direction === 'inbound') inbound++;
    if (d.action !== 'drop') continue;
    dropped.set(String((d as LookupResult).rule), (dropped.get(String((d as LookupResult).rule)) ?? 0) + 1);
    if (d.direction !== 'outbound') bad.push(`${where}: ${d.direction ?? 'no direction'} event dropped`);
    const why = rentable(d);
    if (why) bad.push(`${where}: ${why} dropped`);
  }
  t.same(bad, [], 'no inbound, undirected or rentable-space event dropped');
  t.ok(inbound >= 100, `${inbound} real inbound events, all kept`);
  const total = [...dropped.values()].reduce((a, b) => a + b, 0);
  t.ok(total > 0, `the rules are not inert: ${total} of ${events.length} real events dropped (${[...dropped].map(([r, n]) => `${r} ${n}`).join(', ')})`);
});

t.test('every AzureCloud-only, AWS EC2 and Google Cloud prefix of the real lists is kept', sharedData('azure'), async (t) => {
  const seen: Record<string, number> = { azure: 0, aws: 0, 'google-cloud': 0 };
  const bad: string[] = [];
  const samples = [
    ...entriesWith('azure', (s) => s.length > 0 && s.every((x) => /^AzureCloud(\.|$)/.test(x))),
    ...entriesWith('aws', (s) => s.includes('EC2')),
    ...entriesWith('google-cloud', () => true),
  ];
  for (const e of samples) {
    const ip = network(e.prefix);
    for (const port of [443, 80, 53]) {
      const d = judge(SHAPES['winlogbeat 8']!({ remote: ip, port }));
      const why = rentable(d);
      if (!why) continue; // a more specific prefix of another kind holds this address
      seen[why.startsWith('Azure') ? 'azure' : why.startsWith('AWS') ? 'aws' : 'google-cloud']!++;
      if (d.action === 'drop') bad.push(`${ip}:${port} (${why}) dropped by ${String((d as LookupResult).rule)}`);
    }
  }
  t.same(bad.slice(0, 20), [], 'none dropped');
  for (const [list, n] of Object.entries(seen)) t.ok(n > 100, `${list}: ${n} outbound connections into rentable space judged`);
});

t.test("Microsoft-run space that carries tenants' content is kept", sharedData('azure'), async (t) => {
  // AzureFrontDoor.FirstParty holds SharePoint/OneDrive (13.107.136.0/22), Exchange Online
  // (13.107.128.0/22) and Teams (13.107.64.0/18); AzureActiveDirectory's ranges are listed with
  // Microsoft Graph; Frontend is customers' own Front Door; AppService and Storage are customers'.
  const kinds = ['AzureFrontDoor.FirstParty', 'AzureActiveDirectory', 'AzureFrontDoor.Frontend', 'AppService', 'Storage', 'MicrosoftDefenderForEndpoint'];
  for (const kind of kinds) {
    const entries = entriesWith('azure', (s) => s.includes(kind));
    t.ok(entries.length > 0, `${kind}: in the real Azure file`);
    const dropped = entries.map((e) => network(e.prefix)).filter((ip) => judge(SHAPES['winlogbeat 8']!({ remote: ip })).action === 'drop');
    t.same(dropped, [], `${kind}: none of ${entries.length} prefixes dropped`);
  }
  for (const ip of ['13.107.136.10', '13.107.128.5', '13.107.64.20', '20.190.160.1', '40.126.1.1', '13.107.21.200']) {
    const d = judge(SHAPES['winlogbeat 8']!({ remote: ip }));
    t.equal(d.action, 'keep', `${ip} (${isFailure(d) ? d.error.code : (d as LookupResult).matches[0]?.services.join(', ')}) kept`);
  }
});

t.test('what the rules drop outbound, they keep inbound, in every event shape', sharedData('azure'), async (t) => {
  const shapes: Record<string, (c: Conn) => unknown> = { ...SHAPES, 'iptables line': netfilter };
  for (const target of dropTargets) {
    for (const [shape, make] of Object.entries(shapes)) {
      const out = judge(make({ remote: target.ip }));
      t.equal(out.action, 'drop', `${target.why} ${target.ip}, ${shape}, outbound: dropped`);
      const inb = judge(make({ remote: target.ip, inbound: true }));
      t.equal(inb.direction, 'inbound', `${shape}: read as inbound`);
      t.equal(inb.action, 'keep', `${target.why}, ${shape}, inbound: kept`);
      t.equal((inb as LookupResult).rule, 'keep-inbound', `${shape}: by keep-inbound`);
    }
    const bare = enricher.lookup(target.ip);
    t.equal(bare.action, 'keep', `${target.ip} as a bare {"ip"} lookup (no direction): kept`);
  }
});

t.test('the lolbins are kept where svchost would be dropped', sharedData('azure'), async (t) => {
  for (const target of dropTargets) {
    for (const [shape, make] of Object.entries(SHAPES)) {
      t.equal(judge(make({ remote: target.ip, image: SVCHOST })).action, 'drop', `${target.why}, ${shape}, svchost.exe: dropped`);
      for (const exe of LOLBINS) {
        const d = judge(make({ remote: target.ip, image: `C:\\Windows\\System32\\${exe}` }));
        t.equal(d.action, 'keep', `${target.why}, ${shape}, ${exe}: kept`);
        t.equal((d as LookupResult).rule, 'keep-lolbins');
      }
      // Paths as Windows writes them: any case, any folder.
      const ps = judge(make({ remote: target.ip, image: 'C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE' }));
      t.equal(ps.action, 'keep', `${shape}: PowerShell.EXE in upper case kept`);
    }
  }
});
