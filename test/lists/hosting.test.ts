// Hosting on the real provider files: every prefix of Azure, AWS and Google, read here from the raw JSON, gets what the table says.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { HOSTING, hostingOf, loadLists, type Hosting } from '../../src/lists/index.js';
import { mustParseAddr, mustParsePrefix } from '../../src/net/index.js';
import { dataPath, sharedData, SHARED_DATA } from '../helpers/shared-data.js';

const SOURCES = [
  { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'azure/ServiceTags_Public_20251028.json' },
  { name: 'microsoft', tag: 'Microsoft', format: 'msft-public-ip-csv', path: 'microsoft/msft-public-ips.csv' },
  { name: 'aws', tag: 'AWS', format: 'aws-ip-ranges', path: 'aws/ip-ranges.json' },
  { name: 'google-cloud', tag: 'Google', format: 'google-ip-ranges', path: 'google/cloud.json' },
  { name: 'google', tag: 'Google', format: 'google-ip-ranges', path: 'google/goog.json' },
] as const;

/** The table's rule, written again here from its rows: supersets aside, any customer (or unknown) service wins, then first-party, else the default. */
function expected(format: keyof typeof HOSTING, services: Iterable<string>): Hosting {
  const table = HOSTING[format]!;
  const named = [...services].filter((s) => !table.supersets.includes(s) && !table.supersets.includes(s.split('.')[0]!));
  if (named.length === 0) return table.default;
  const of = (s: string) => (table.rules.find((r) => r.service === s) ?? table.rules.find((r) => r.service === s.split('.')[0]))?.hosting ?? table.default;
  return named.every((s) => of(s) === 'first-party') ? 'first-party' : 'customer';
}

/** Canonical prefix text as ipdest writes it, for joining raw rows to matches. */
const canon = (p: string) => mustParsePrefix(p).toString();

function rawAzure(): Map<string, Set<string>> {
  const d = JSON.parse(readFileSync(dataPath('azure/ServiceTags_Public_20251028.json'), 'utf8')) as {
    values: Array<{ name: string; properties: { addressPrefixes: string[] } }>;
  };
  const out = new Map<string, Set<string>>();
  for (const v of d.values) for (const p of v.properties.addressPrefixes) (out.get(canon(p)) ?? out.set(canon(p), new Set()).get(canon(p))!).add(v.name);
  return out;
}

function rawAws(): Map<string, Set<string>> {
  const d = JSON.parse(readFileSync(dataPath('aws/ip-ranges.json'), 'utf8')) as {
    prefixes: Array<{ ip_prefix: string; service: string }>;
    ipv6_prefixes: Array<{ ipv6_prefix: string; service: string }>;
  };
  const out = new Map<string, Set<string>>();
  const add = (p: string, s: string) => (out.get(canon(p)) ?? out.set(canon(p), new Set()).get(canon(p))!).add(s);
  for (const x of d.prefixes) add(x.ip_prefix, x.service);
  for (const x of d.ipv6_prefixes) add(x.ipv6_prefix, x.service);
  return out;
}

function rawGoogle(file: string): string[] {
  const d = JSON.parse(readFileSync(dataPath(file), 'utf8')) as { prefixes: Array<{ ipv4Prefix?: string; ipv6Prefix?: string }> };
  return d.prefixes.map((p) => canon((p.ipv4Prefix ?? p.ipv6Prefix)!));
}

t.test('every prefix of the real provider files gets the table’s hosting', sharedData('azure', 'ServiceTags_Public_20251028.json'), async (t) => {
  const set = await loadLists(
    SOURCES.map((s) => ({ ...s })),
    { baseDir: SHARED_DATA },
  );
  const byList = new Map(set.lists.map((l) => [l.name, l]));
  const want: Record<string, Map<string, Hosting>> = {
    azure: new Map([...rawAzure()].map(([p, s]) => [p, expected('azure-service-tags', s)])),
    aws: new Map([...rawAws()].map(([p, s]) => [p, expected('aws-ip-ranges', s)])),
  };
  // Google: cloud.json is customer; goog.json first-party unless cloud.json also holds the address.
  const cloud = rawGoogle('google/cloud.json').map(mustParsePrefix);
  const inCloud = (ip: string) => {
    const a = mustParseAddr(ip);
    return cloud.some((p) => p.contains(a));
  };
  let checked = 0;
  for (const name of ['azure', 'aws', 'google-cloud', 'google', 'microsoft'] as const) {
    let bad = 0;
    for (const e of byList.get(name)!.entries) {
      const first = e.prefix.addr.toString();
      const r = set.classifier.lookup(first);
      if (!('set' in r)) throw new Error(first);
      const m = r.set.matches.find((x) => x.list === name)!;
      // The match at the prefix's first address may be a more specific prefix of the same list.
      let w: Hosting | undefined;
      if (name === 'azure' || name === 'aws') w = want[name]!.get(m.prefix);
      else if (name === 'google-cloud') w = 'customer';
      else if (name === 'google') w = inCloud(first) ? 'customer' : 'first-party';
      else w = 'customer';
      if (m.hosting !== w && bad++ < 5) t.fail(`${name} ${m.prefix} at ${first}: ${m.hosting}, the table says ${w}`);
      checked++;
    }
    t.equal(bad, 0, `${name}: every prefix follows the table`);
  }
  t.ok(checked > 60_000, `${checked} prefixes checked`);
  const firstParty = set.classifier.lookup('13.107.4.50');
  t.equal('set' in firstParty && firstParty.set.matches[0]!.hosting, 'first-party', 'Front Door first party (the contract’s example) is first-party');
});

t.test('the real Sysmon destinations inside provider lists get the table’s hosting', sharedData('sysmon', 'winlogbeat8-eid3.ndjson'), async (t) => {
  const set = await loadLists(
    SOURCES.map((s) => ({ ...s })),
    { baseDir: SHARED_DATA },
  );
  const azure = rawAzure();
  const aws = rawAws();
  const seen = new Map<string, string>();
  for (const f of ['winlogbeat8-eid3.ndjson', 'winlogbeat7-ecs-eid3.ndjson', 'winlogbeat6-eid3.ndjson', 'nxlog-flat-eid3.ndjson']) {
    for (const line of readFileSync(dataPath('sysmon', f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      const ip = e.winlog?.event_data?.DestinationIp ?? e.event_data?.DestinationIp ?? e.DestinationIp ?? e.destination?.ip;
      if (typeof ip === 'string') seen.set(ip, f);
    }
  }
  let inProvider = 0;
  for (const ip of seen.keys()) {
    const r = set.classifier.lookup(ip);
    const all = 'set' in r ? r.set.matches : [];
    const providers = all.filter((m) => SOURCES.some((x) => x.name === m.list));
    if (providers.length === 0) continue;
    inProvider++;
    for (const m of providers) {
      const w =
        m.list === 'azure'
          ? expected('azure-service-tags', azure.get(m.prefix)!)
          : m.list === 'aws'
            ? expected('aws-ip-ranges', aws.get(m.prefix)!)
            : m.list === 'microsoft' || m.list === 'google-cloud'
              ? 'customer'
              : all.some((x) => x.list === 'google-cloud')
                ? 'customer'
                : 'first-party';
      t.equal(m.hosting, w, `${ip} ${m.list} ${m.prefix} [${m.services.join(', ')}]`);
    }
  }
  t.ok(inProvider >= 10, `${inProvider} distinct destinations in provider lists`);
  const builtin = set.classifier.lookup('10.0.2.15');
  t.notOk('set' in builtin && builtin.set.matches.some((m) => 'hosting' in m), 'a built-in list’s match has no hosting');
});

t.test('hostingOf: table-driven', async (t) => {
  const cases: Array<[string, string[], Hosting | undefined]> = [
    ['azure-service-tags', ['AzureCloud', 'AzureCloud.eastus'], 'customer'],
    ['azure-service-tags', ['AzureFrontDoor.FirstParty'], 'first-party'],
    ['azure-service-tags', ['AzureCloud', 'AzureActiveDirectory'], 'first-party'],
    ['azure-service-tags', ['AzureActiveDirectory', 'Storage.WestEurope'], 'customer'],
    ['azure-service-tags', ['AzureMonitor.EastUS'], 'first-party'],
    ['azure-service-tags', ['SomethingNew'], 'customer'],
    ['aws-ip-ranges', ['AMAZON', 'ROUTE53'], 'first-party'],
    ['aws-ip-ranges', ['AMAZON'], 'customer'],
    ['aws-ip-ranges', ['AMAZON', 'EC2', 'ROUTE53'], 'customer'],
    ['google-ip-ranges', [], 'first-party'],
    ['google-ip-ranges', ['Google Cloud'], 'customer'],
    ['m365-endpoints', ['Exchange'], 'first-party'],
    ['github-meta', ['actions'], 'customer'],
    ['github-meta', ['api', 'web'], 'first-party'],
    ['cloudflare', [], 'customer'],
    ['text', [], undefined],
    ['netset', [], undefined],
  ];
  for (const [format, services, want] of cases) t.equal(hostingOf(format, services), want, `${format} [${services.join(', ')}]`);
});

t.test('docs/attribution.md shows every row of the table', async (t) => {
  const doc = readFileSync(new URL('../../docs/attribution.md', import.meta.url), 'utf8');
  for (const [format, table] of Object.entries(HOSTING)) {
    t.ok(doc.includes(`| \`${format}\` | ${table!.default} |`), `${format}: its default`);
    for (const r of table!.rules) t.ok(doc.includes(`| \`${format}\` | | | \`${r.service}\` | ${r.hosting} | ${r.why} |`), `${format} ${r.service}`);
  }
});
