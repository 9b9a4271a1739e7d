// Every real Sysmon event and iptables line of ../shared/data: address by shape, direction, port/protocol/service, tag.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { type Classifier, loadLists } from '../../src/lists/index.js';
import { AddrParseError } from '../../src/net/index.js';
import { Enricher, Rules, isFailure, type Result } from '../../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../../src/config/index.js';
import { dataPath, sharedData, SHARED_DATA } from '../helpers/shared-data.js';

interface Expected {
  ip: string | undefined;
  direction: 'inbound' | 'outbound' | undefined;
  port: number | undefined;
  protocol: string | undefined;
  process?: string;
}

/** What each shape's documentation says, read straight off the raw fields (no ipdest code). */
const SHAPES: Record<string, (e: any) => Expected> = {
  'winlogbeat8-eid3.ndjson': (e) => sysmon(e.winlog.event_data),
  'winlogbeat6-eid3.ndjson': (e) => sysmon(e.event_data),
  'nxlog-flat-eid3.ndjson': (e) => sysmon(e),
  'winlogbeat7-ecs-eid3.ndjson': (e) => {
    const inbound = e.network?.direction === 'inbound';
    return {
      ip: inbound ? e.source.ip : e.destination.ip,
      direction: inbound ? 'inbound' : 'outbound',
      port: e.destination.port,
      protocol: e.network.transport,
      process: e.process?.executable,
    };
  },
};

function sysmon(d: any): Expected {
  const inbound = String(d.Initiated).toLowerCase() === 'false';
  return {
    ip: inbound ? d.SourceIp : d.DestinationIp,
    direction: inbound ? 'inbound' : 'outbound',
    port: Number(d.DestinationPort),
    protocol: String(d.Protocol).toLowerCase(),
    process: d.Image,
  };
}

let classifier: Classifier;
let enricher: Enricher;

t.before(async () => {
  const set = await loadLists(
    [
      { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'azure/ServiceTags_Public_*.json' },
      { name: 'microsoft', tag: 'Microsoft', format: 'msft-public-ip-csv', path: 'microsoft/msft-public-ips.csv' },
      { name: 'aws', tag: 'AWS', format: 'aws-ip-ranges', path: 'aws/ip-ranges.json' },
    ],
    { baseDir: SHARED_DATA },
  );
  classifier = set.classifier;
  enricher = new Enricher(classifier, { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false }, new Rules());
});

function expectTag(ip: string): string | null {
  const r = classifier.lookup(ip);
  return r instanceof AddrParseError ? null : r.set.tag;
}

for (const [file, shape] of Object.entries(SHAPES)) {
  t.test(`sysmon/${file}: every event`, sharedData('sysmon', file), async (t) => {
    const lines = readFileSync(dataPath('sysmon', file), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    let inbound = 0;
    let tagged = 0;
    for (const [i, line] of lines.entries()) {
      const event = JSON.parse(line);
      const want = shape(event);
      const d = enricher.judge(event);
      const where = `${file}:${i + 1}`;
      if (isFailure(d)) {
        t.fail(`${where}: ${d.error.message}`);
        continue;
      }
      if (
        d.input !== want.ip ||
        d.direction !== want.direction ||
        d.port !== want.port ||
        d.protocol !== want.protocol ||
        d.process !== want.process ||
        d.IPDestination !== expectTag(want.ip!)
      ) {
        t.fail(
          `${where}: got ${JSON.stringify({ input: d.input, direction: d.direction, port: d.port, protocol: d.protocol, tag: d.IPDestination })} want ${JSON.stringify(want)}`,
        );
        continue;
      }
      if (d.direction === 'inbound') inbound++;
      if (d.IPDestination) tagged++;
    }
    t.ok(lines.length > 0, `${lines.length} events`);
    t.pass(`${inbound} inbound, ${tagged} tagged, all as the raw fields say`);
  });
}

t.test("sysmon: the README's known destinations get their tags", sharedData('sysmon'), async (t) => {
  const want: Record<string, string> = {
    '40.77.226.250': 'Microsoft',
    '20.44.85.239': 'Microsoft',
    '40.80.145.78': 'Microsoft',
    '13.107.21.200': 'Microsoft',
    '204.79.197.200': 'Microsoft',
    '40.90.4.204': 'Microsoft',
    '13.32.196.66': 'AWS',
    '18.211.160.92': 'AWS',
  };
  const seen = new Map<string, string | null>();
  for (const file of readdirSync(dataPath('sysmon')).filter((f) => f.includes('eid3'))) {
    for (const line of readFileSync(dataPath('sysmon', file), 'utf8')
      .split('\n')
      .filter((l) => l.trim())) {
      const d = enricher.judge(JSON.parse(line));
      if (!isFailure(d)) seen.set(d.ip, d.IPDestination);
    }
  }
  for (const [ip, tag] of Object.entries(want)) {
    if (seen.has(ip)) t.equal(seen.get(ip), tag, ip);
  }
  t.ok([...Object.keys(want)].filter((ip) => seen.has(ip)).length >= 5, 'most known destinations occur');
});

/** The test's own reading of a netfilter line: regexes over the text before any '[' quoting a packet. */
function netfilterOracle(line: string): Expected | null {
  const outer = line.replace(/ \[SRC=.*$/, '');
  const get = (k: string) => new RegExp(`(?:^|[\\s\\]])${k}=(\\S*)`).exec(outer)?.[1];
  const dst = get('DST');
  if (dst === undefined) return null;
  const inIf = get('IN');
  const outIf = get('OUT');
  const inbound = inIf !== undefined && inIf !== '' && (outIf === undefined || outIf === '');
  const dpt = get('DPT');
  return {
    ip: inbound ? get('SRC') : dst,
    direction: inbound ? 'inbound' : 'outbound',
    port: dpt === undefined ? undefined : Number(dpt),
    protocol: get('PROTO')?.toLowerCase(),
  };
}

t.test('iptables: every line of every file', sharedData('iptables'), async (t) => {
  let total = 0;
  let withoutFields = 0;
  for (const file of readdirSync(dataPath('iptables'))) {
    const lines = readFileSync(dataPath('iptables', file), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    for (const [i, line] of lines.entries()) {
      total++;
      const want = netfilterOracle(line);
      const d: Result = enricher.judge({ message: line });
      const where = `${file}:${i + 1}`;
      if (want === null) {
        withoutFields++;
        t.ok(isFailure(d) && d.error.code === 'NO_ADDRESS', `${where}: no netfilter fields → NO_ADDRESS`);
        continue;
      }
      if (isFailure(d)) {
        t.fail(`${where}: ${d.error.message}`);
        continue;
      }
      const r = d;
      const ok =
        r.input === want.ip &&
        r.direction === want.direction &&
        r.port === want.port &&
        r.protocol === want.protocol &&
        r.IPDestination === expectTag(want.ip!);
      if (!ok)
        t.fail(`${where}: got ${JSON.stringify({ input: r.input, direction: r.direction, port: r.port, protocol: r.protocol })} want ${JSON.stringify(want)}`);
      if (r.port === 443) t.equal(r.service, 'https', `${where}: service`);
    }
  }
  t.ok(total > 100, `${total} lines`);
  t.equal(withoutFields, 1, 'only the sshd line of the UniFi file lacks netfilter fields');
});
