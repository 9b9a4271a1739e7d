// Provider formats (cloudflare, fastly-ip-list, github-meta, oracle-ip-ranges, geofeed, m365-endpoints): the real files, their broken forms, fuzzed text.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ListFormatError } from '../../src/errors.js';
import { FORMATS, OFFICIAL_SOURCES, parseList, parseM365Details, type ListFormat, type ParsedList } from '../../src/lists/index.js';
import { FIXTURES, dataPath, sharedData } from '../helpers/shared-data.js';

const raw = (...parts: string[]) => readFileSync(dataPath(...parts), 'utf8');
const parseData = (format: ListFormat, ...parts: string[]): ParsedList => parseList(format, raw(...parts), parts.join('/'));
const family = (p: ParsedList) => ({
  v4: p.entries.filter((e) => e.prefix.version === 4).length,
  v6: p.entries.filter((e) => e.prefix.version === 6).length,
});
/** A CIDR's canonical text without ipdest's code: WHATWG URL writes IPv6 the RFC 5952 way (Linode writes `2600:3c12:0b00::/40`). */
const canonical = (cidr: string) => {
  const [addr, bits] = cidr.trim().split('/');
  return addr!.includes(':') ? `${new URL(`http://[${addr}]/`).hostname.slice(1, -1)}/${bits ?? 128}` : `${addr}/${bits ?? 32}`;
};
/** The independent count: distinct CIDRs of the raw file, an IPv6 one told by its colon. */
const countStrings = (cidrs: Iterable<string>) => {
  const all = new Set([...cidrs].map(canonical));
  const v6 = [...all].filter((c) => c.includes(':')).length;
  return { v4: all.size - v6, v6 };
};
const entry = (p: ParsedList, cidr: string) => {
  const e = p.entries.find((x) => x.prefix.toString() === cidr);
  return e === undefined ? undefined : { services: [...e.services], regions: [...e.regions] };
};

t.test('cloudflare: ips-v4 and ips-v6, without and with a final newline (the dated copies)', async (t) => {
  for (const name of ['ips-v4', 'ips-v4.2021-08-02', 'ips-v6', 'ips-v6.2021-08-02']) {
    t.test(name, sharedData('providers', 'cloudflare', name), async (t) => {
      const text = raw('providers', 'cloudflare', name);
      const p = parseList('cloudflare', text, name);
      t.same(family(p), countStrings(text.split('\n').filter((l) => l.trim() !== '')), 'one entry a line');
      t.same(p.warnings, []);
      t.equal(p.version, null, 'Cloudflare states no version');
      t.ok(p.entries.every((e) => e.services.length === 0 && e.regions.length === 0));
    });
  }
  t.test('the two copies of each file hold the same prefixes', sharedData('providers', 'cloudflare', 'ips-v4.2021-08-02'), async (t) => {
    for (const v of ['v4', 'v6']) {
      const now = parseData('cloudflare', 'providers', 'cloudflare', `ips-${v}`).entries.map((e) => e.prefix.toString());
      const then = parseData('cloudflare', 'providers', 'cloudflare', `ips-${v}.2021-08-02`).entries.map((e) => e.prefix.toString());
      t.same(now.sort(), then.sort(), v);
    }
    t.ok(entry(parseData('cloudflare', 'providers', 'cloudflare', 'ips-v6'), '2606:4700::/32'));
    t.ok(entry(parseData('cloudflare', 'providers', 'cloudflare', 'ips-v4'), '104.16.0.0/13'));
  });
});

t.test('fastly-ip-list: addresses and ipv6_addresses', sharedData('providers', 'fastly', 'public-ip-list.json'), async (t) => {
  const text = raw('providers', 'fastly', 'public-ip-list.json');
  const doc = JSON.parse(text) as { addresses: string[]; ipv6_addresses: string[] };
  const p = parseList('fastly-ip-list', text, 'public-ip-list.json');
  t.same(family(p), { v4: new Set(doc.addresses).size, v6: new Set(doc.ipv6_addresses).size });
  t.same(family(p), { v4: 19, v6: 2 }, 'the counts ../shared/data/README.md gives');
  t.same(entry(p, '151.101.0.0/16'), { services: [], regions: [] });
  t.ok(entry(p, '2a04:4e42::/32'));
  t.equal(p.version, null);
});

/** GitHub's CIDR keys read without the parser: arrays whose strings all look like addr/len. */
function githubKeys(doc: Record<string, unknown>): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const [k, v] of Object.entries(doc)) {
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && /^[0-9a-f:.]+\/\d{1,3}$/i.test(x))) keys.set(k, v as string[]);
  }
  return keys;
}

t.test('github-meta: every CIDR key is a service, a prefix under several keys is one entry', async (t) => {
  const copies = [
    { file: 'meta.json', v4: 4623, v6: 980, why: 'compact, 2025' },
    { file: 'meta.2024-07-24.json', v4: 3848, v6: 840, why: 'pretty-printed, 2024' },
  ];
  for (const c of copies) {
    t.test(c.file, sharedData('providers', 'github', c.file), async (t) => {
      const text = raw('providers', 'github', c.file);
      const doc = JSON.parse(text) as Record<string, unknown>;
      const keys = githubKeys(doc);
      const p = parseList('github-meta', text, c.file);
      t.same(family(p), countStrings([...keys.values()].flat()), 'distinct prefixes of the CIDR keys');
      t.same(family(p), { v4: c.v4, v6: c.v6 }, `the counts ../shared/data/README.md gives (${c.why})`);
      const services = new Set(p.entries.flatMap((e) => e.services));
      t.same([...services].sort(), [...keys.keys()].sort(), 'the services are exactly the CIDR keys');
      for (const skipped of ['ssh_keys', 'ssh_key_fingerprints', 'domains', 'verifiable_password_authentication'])
        t.notOk(services.has(skipped), `${skipped} is not IP data`);
      t.ok(
        p.entries.every((e) => e.services.join() === [...new Set(e.services)].sort().join()),
        'services sorted, no repeats',
      );
      const web = [...keys].filter(([, v]) => v.includes('192.30.252.0/22')).map(([k]) => k);
      t.same(entry(p, '192.30.252.0/22'), { services: web.sort(), regions: [] }, '192.30.252.0/22 under every key that lists it');
      t.ok(web.length >= 5, 'one of the prefixes shared by many keys');
      t.equal(p.version, null);
      t.same(p.warnings, []);
    });
  }
  t.test('actions_macos and copilot are picked up without being named in the code', sharedData('providers', 'github', 'meta.json'), async (t) => {
    const p = parseData('github-meta', 'providers', 'github', 'meta.json');
    for (const s of ['actions_macos', 'copilot', 'dependabot', 'codespaces'])
      t.ok(
        p.entries.some((e) => e.services.includes(s)),
        s,
      );
  });
});

t.test('github-meta: key recognition on small documents', async (t) => {
  const p = parseList(
    'github-meta',
    JSON.stringify({
      web: ['192.30.252.0/22', '2a0a:a440::/29'],
      api: ['192.30.252.0/22'],
      hooks: [],
      ssh_keys: ['ssh-ed25519 AAAA'],
      domains: { website: ['*.github.com'] },
      names: ['github.com', 'api.github.com'],
      flags: [true, false],
      verifiable_password_authentication: false,
    }),
    'meta.json',
  );
  t.same(
    p.entries.map((e) => [e.prefix.toString(), [...e.services]]),
    [
      ['192.30.252.0/22', ['api', 'web']],
      ['2a0a:a440::/29', ['web']],
    ],
    'arrays of keys, names or booleans are not services; an empty array is harmless',
  );
});

t.test('oracle-ip-ranges: tags are services, the region is the region, the timestamp the version', async (t) => {
  const copies = [
    { file: 'public_ip_ranges.json', version: '2026-07-27T06:55:33.696145', v4: 1102 },
    { file: 'public_ip_ranges.2025-07-21.json', version: '2025-07-21T07:13:25.457838', v4: 896 },
  ];
  for (const c of copies) {
    t.test(c.file, sharedData('providers', 'oracle', c.file), async (t) => {
      const text = raw('providers', 'oracle', c.file);
      const doc = JSON.parse(text) as { regions: { region: string; cidrs: { cidr: string; tags: string[] }[] }[] };
      const p = parseList('oracle-ip-ranges', text, c.file);
      t.same(family(p), countStrings(doc.regions.flatMap((r) => r.cidrs.map((x) => x.cidr))));
      t.same(family(p), { v4: c.v4, v6: 0 }, 'the counts ../shared/data/README.md gives');
      t.equal(p.version, c.version);
      // Spot checks from the raw JSON: a CIDR of each tag set found there.
      const seen = new Set<string>();
      for (const r of doc.regions) {
        for (const x of r.cidrs) {
          const tags = [...x.tags].sort().join('+');
          if (seen.has(tags)) continue;
          seen.add(tags);
          const e = entry(p, x.cidr)!;
          t.same([...e.services].sort(), [...x.tags].sort(), `${x.cidr}: tags ${tags}`);
          t.ok(e.regions.includes(r.region), `${x.cidr}: region ${r.region}`);
        }
      }
      t.ok(seen.size >= 2, 'more than one tag set in the file');
    });
  }
  t.test('the first CIDR of the newest file', sharedData('providers', 'oracle', 'public_ip_ranges.json'), async (t) => {
    t.same(entry(parseData('oracle-ip-ranges', 'providers', 'oracle', 'public_ip_ranges.json'), '40.233.0.0/19'), {
      services: ['OCI'],
      regions: ['mx-monterrey-1'],
    });
  });
});

/** A geofeed's rows read without the parser: non-comment, non-blank lines, prefix first. */
const geofeedPrefixes = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(',')[0]!.trim());

t.test('geofeed: DigitalOcean and Linode, both copies of each', async (t) => {
  const copies = [
    { dir: 'digitalocean', file: 'google.csv', v4: 1037, v6: 145, version: null, spot: ['5.101.96.0/21', ['NL', 'NL-NH']] },
    { dir: 'digitalocean', file: 'google.2024-02-20.csv', v4: 1460, v6: 144, version: null, spot: ['5.101.96.0/21', ['NL', 'NL-NH']] },
    { dir: 'linode', file: 'geoip.linode.com.txt', v4: 4464, v6: 88, version: '2025-07-24T10:00:06.525037', spot: ['2600:3c00::/32', ['US', 'US-TX']] },
    {
      dir: 'linode',
      file: 'geoip.linode.com.2024-07-24.txt',
      v4: 3849,
      v6: 80,
      version: '2024-07-24T10:00:05.919130',
      spot: ['2600:3c00::/32', ['US', 'US-TX']],
    },
  ] as const;
  for (const c of copies) {
    t.test(c.file, sharedData('providers', c.dir, c.file), async (t) => {
      const text = raw('providers', c.dir, c.file);
      const p = parseList('geofeed', text, c.file);
      const rows = geofeedPrefixes(text);
      t.same(family(p), countStrings(rows));
      t.equal(rows.length, c.v4 + c.v6, 'every row is a distinct prefix in these feeds');
      t.same(family(p), { v4: c.v4, v6: c.v6 }, 'the counts ../shared/data/README.md gives');
      t.equal(p.version, c.version, 'the `# Last modified:` header where there is one');
      t.same(entry(p, c.spot[0]), { services: [], regions: c.spot[1] }, `${c.spot[0]}: country and subdivision`);
      // Each entry's country is the raw row's second cell.
      const country = new Map(
        text
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('#'))
          .map((l) => [canonical(l.split(',')[0]!), l.split(',')[1]!]),
      );
      t.ok(
        p.entries.every((e) => e.regions[0] === country.get(e.prefix.toString())),
        'the first region is the row country',
      );
      t.same(p.warnings, []);
    });
  }
});

t.test('geofeed: columns, comments, quoting and case', async (t) => {
  const p = parseList(
    'geofeed',
    '# prefix,country,region,city,postal\r\n192.0.2.0/24,us,us-ca,"San Jose, CA",95113\r\n\r\n  # indented comment\r\n198.51.100.0/24,NL,Noord-Holland,,\r\n2001:db8::/32,,,,\r\n203.0.113.0/24,DE,FR-75,Paris,,extra,cells\r\n198.51.100.0/24\r\n',
    'feed.csv',
  );
  t.same(
    p.entries.map((e) => [e.prefix.toString(), [...e.regions]]),
    [
      ['192.0.2.0/24', ['US', 'US-CA']],
      ['198.51.100.0/24', ['NL']],
      ['2001:db8::/32', []],
      ['203.0.113.0/24', ['DE']],
    ],
    'lower case is upper-cased; a free-text region or one of another country is skipped; empty cells give no region; a prefix alone is a row',
  );
  t.equal(p.version, null);
});

const M365 = resolve(FIXTURES, 'm365', 'worldwide.json');

t.test('m365-endpoints: service areas as services, sets without ips skipped, a prefix in two sets merged', async (t) => {
  const text = readFileSync(M365, 'utf8');
  const doc = JSON.parse(text) as { ips?: string[] }[];
  const p = parseList('m365-endpoints', text, 'worldwide.json');
  t.same(family(p), countStrings(doc.flatMap((s) => s.ips ?? [])));
  t.same(family(p), { v4: 11, v6: 5 });
  t.same(entry(p, '52.96.0.0/14'), { services: ['Exchange', 'Common'], regions: [] }, 'in Exchange set 1 and Common set 46');
  t.same(entry(p, '2603:1006::/40'), { services: ['Exchange', 'Common'], regions: [] }, 'an IPv6 prefix in two sets');
  t.same(entry(p, '13.107.136.0/22'), { services: ['SharePoint'], regions: [] });
  t.same(entry(p, '2620:1ec:4::152/128'), { services: ['Exchange'], regions: [] });
  t.ok(
    p.entries.every((e) => e.services.every((s) => !s.includes(':'))),
    'no category smuggled into the services',
  );
  t.equal(p.version, null);
  t.same(p.warnings, []);
});

t.test('m365-endpoints: parseM365Details keeps category and ports per set', async (t) => {
  const text = readFileSync(M365, 'utf8');
  const details = parseM365Details(text, 'worldwide.json');
  t.equal(details.length, parseList('m365-endpoints', text, 'worldwide.json').entries.length, 'one record per entry');
  const of = (cidr: string) => details.find((d) => d.prefix.toString() === cidr)!.sets.map((s) => ({ ...s }));
  t.same(of('52.96.0.0/14'), [
    { id: 1, serviceArea: 'Exchange', category: 'Optimize', required: true, tcpPorts: ['80', '443'], udpPorts: ['443'] },
    { id: 46, serviceArea: 'Common', category: 'Allow', required: true, tcpPorts: ['80', '443'], udpPorts: [] },
  ]);
  t.same(of('52.112.0.0/14'), [
    { id: 11, serviceArea: 'Skype', category: 'Optimize', required: true, tcpPorts: [], udpPorts: ['3478', '3479', '3480', '3481'] },
  ]);
  t.same(of('40.92.0.0/15')[0]!.tcpPorts, ['25']);
});

t.test('official sources: each named format has https URLs', async (t) => {
  for (const [format, urls] of Object.entries(OFFICIAL_SOURCES)) {
    t.ok((FORMATS as readonly string[]).includes(format), `${format} is a format`);
    t.ok(urls!.length > 0 && urls!.every((u) => u.startsWith('https://')), format);
  }
  t.same(OFFICIAL_SOURCES.cloudflare, ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6']);
});

const HTML = '<!DOCTYPE html>\n<html lang="en-US"><head><title>Just a moment...</title></head>\n<body>Checking your browser</body></html>\n';

interface Reject {
  format: ListFormat;
  text: string;
  line: number;
  reason: RegExp;
  bad?: RegExp;
  why: string;
}

const rejects: Reject[] = [
  // An HTML page in place of the download, for every new format: the reason says it is a page.
  ...(['cloudflare', 'fastly-ip-list', 'github-meta', 'oracle-ip-ranges', 'geofeed', 'netset', 'm365-endpoints'] as const).map((format) => ({
    format,
    text: HTML,
    line: 1,
    reason: /an HTML page, not a list/,
    bad: /^<!DOCTYPE html>$/,
    why: `${format}: a challenge page served in place of the file`,
  })),
  ...(['cloudflare', 'fastly-ip-list', 'github-meta', 'oracle-ip-ranges', 'geofeed', 'netset', 'm365-endpoints'] as const).map((format) => ({
    format,
    text: '\ufeff \n\t\n',
    line: 1,
    reason: /the file is empty/,
    why: `${format}: an empty download is an error, never an empty list`,
  })),
  { format: 'geofeed', text: '\n\n<html>\n<body>502</body>', line: 3, reason: /HTML page/, why: 'the HTML line is named after blank lines' },
  {
    format: 'cloudflare',
    text: '173.245.48.0/20\n103.21.244.0/22\n103.22.200.0/222\n',
    line: 3,
    bad: /^103\.22\.200\.0\/222$/,
    reason: /invalid CIDR/,
    why: 'a bad line names its line',
  },
  { format: 'fastly-ip-list', text: '{"addresses":["23.235.32.0/20","43.249.72.0/2', line: 1, reason: /invalid JSON/, why: 'a truncated download' },
  {
    format: 'fastly-ip-list',
    text: '{\n "addresses": [\n  "23.235.32.0/20",\n  "43.249.72.0/33"\n ]\n}',
    line: 4,
    bad: /43\.249\.72\.0\/33/,
    reason: /invalid CIDR in "addresses"/,
    why: 'the line of the bad prefix',
  },
  {
    format: 'fastly-ip-list',
    text: '{"addresses": ["23.235.32.0/20", 7]}',
    line: 1,
    reason: /every element of "addresses" must be a CIDR string/,
    why: 'a number among the strings',
  },
  {
    format: 'fastly-ip-list',
    text: '{"prefixes": [{"ip_prefix": "3.5.140.0/22"}]}',
    line: 1,
    reason: /"addresses" to be an array/,
    why: 'AWS JSON is not Fastly JSON',
  },
  { format: 'fastly-ip-list', text: '["23.235.32.0/20"]', line: 1, reason: /JSON object with "addresses"/, why: 'a bare array' },
  { format: 'github-meta', text: '{"hooks": ["192.30.252.0/22", "185.199.108.0/2', line: 1, reason: /invalid JSON/, why: 'a truncated download' },
  {
    format: 'github-meta',
    text: '{\n  "hooks": [\n    "192.30.252.0/22",\n    "185.199.108.0/222"\n  ]\n}',
    line: 4,
    bad: /^185\.199\.108\.0\/222$/,
    reason: /key "hooks" mixes prefixes with 1 other value/,
    why: 'a bad CIDR among good ones: the key and the line',
  },
  {
    format: 'github-meta',
    text: '{"web": ["192.30.252.0/22", {"cidr": "1.2.3.0/24"}]}',
    line: 1,
    reason: /key "web" mixes prefixes/,
    why: 'an object among the prefixes',
  },
  {
    format: 'github-meta',
    text: '{"prefixes": [{"ip_prefix": "3.5.140.0/22"}], "syncToken": "1"}',
    line: 1,
    reason: /not GitHub \/meta JSON/,
    why: 'AWS JSON holds no CIDR array',
  },
  { format: 'github-meta', text: '["192.30.252.0/22"]', line: 1, reason: /JSON object of GitHub services/, why: 'a bare array' },
  {
    format: 'oracle-ip-ranges',
    text: '{"last_updated_timestamp": "2026-07-27T06:55:33", "regions": [{"region": "x", "cidrs": [',
    line: 1,
    reason: /invalid JSON/,
    why: 'a truncated download',
  },
  {
    format: 'oracle-ip-ranges',
    text: '{\n "regions": [\n  {\n   "region": "us-ashburn-1",\n   "cidrs": [\n    {"cidr": "129.80.0.0/16", "tags": ["OCI"]},\n    {"cidr": "129.80.0.0/61", "tags": ["OCI"]}\n   ]\n  }\n ]\n}',
    line: 7,
    bad: /^129\.80\.0\.0\/61$/,
    reason: /invalid CIDR in region us-ashburn-1/,
    why: 'the line of the bad CIDR and its region',
  },
  {
    format: 'oracle-ip-ranges',
    text: '{"regions": [{"region": "x", "cidrs": [{"cidr": "1.2.3.0/24", "tags": "OCI"}]}]}',
    line: 1,
    reason: /"tags" of a CIDR in region x must be an array/,
    why: 'tags as a string',
  },
  {
    format: 'oracle-ip-ranges',
    text: '{"regions": [{"region": "x", "cidrs": [{"prefix": "1.2.3.0/24"}]}]}',
    line: 1,
    reason: /expected "cidr"/,
    why: 'an element without its cidr',
  },
  { format: 'oracle-ip-ranges', text: '{"addresses": ["23.235.32.0/20"]}', line: 1, reason: /"regions" to be an array/, why: 'Fastly JSON is not Oracle JSON' },
  {
    format: 'geofeed',
    text: '# feed\n192.0.2.0/24,US,US-CA,San Jose,\n192.0.2.0/35,US,US-CA,San Jose,\n',
    line: 3,
    bad: /^192\.0\.2\.0\/35$/,
    reason: /invalid CIDR/,
    why: 'a bad prefix names its line',
  },
  {
    format: 'geofeed',
    text: '192.0.2.0/24,USA,US-CA,San Jose,\n',
    line: 1,
    bad: /USA/,
    reason: /not an ISO 3166-1 alpha-2 code/,
    why: 'a three-letter country (a misaligned column shows here)',
  },
  {
    format: 'geofeed',
    text: 'US,192.0.2.0/24,US-CA,San Jose,\n',
    line: 1,
    bad: /^US,192\.0\.2\.0\/24/,
    reason: /the country "192\.0\.2\.0\/24" is not an ISO 3166-1/,
    why: 'columns in the wrong order: the country cell shows it first',
  },
  { format: 'geofeed', text: '192.0.2.0/24,US,"US-CA,San Jose,\n', line: 1, reason: /unterminated quoted cell/, why: 'a truncated quoted cell' },
  {
    format: 'm365-endpoints',
    text: '[{"id": 1, "serviceArea": "Exchange", "ips": ["13.107.6.152/31"',
    line: 1,
    reason: /invalid JSON/,
    why: 'a truncated download',
  },
  {
    format: 'm365-endpoints',
    text: '[\n {\n  "id": 4,\n  "serviceArea": "Exchange",\n  "ips": [\n   "13.107.6.152/31",\n   "13.107.6.152/3x"\n  ],\n  "category": "Allow"\n }\n]',
    line: 7,
    bad: /^13\.107\.6\.152\/3x$/,
    reason: /invalid CIDR in endpoint set id 4/,
    why: 'the line of the bad prefix and its set',
  },
  {
    format: 'm365-endpoints',
    text: '[\n{"id": 1, "serviceArea": "Exchange", "category": "Allow"},\n{"id": 2, "category": "Allow", "ips": []}\n]',
    line: 3,
    reason: /endpoint set id 2: expected a "serviceArea"/,
    why: 'a set without its service area names the set',
  },
  {
    format: 'm365-endpoints',
    text: '[{"id": 3, "serviceArea": "Skype", "category": "Allow", "ips": "52.112.0.0/14"}]',
    line: 1,
    reason: /"ips" must be an array/,
    why: 'ips as a string',
  },
  {
    format: 'm365-endpoints',
    text: '[{"id": 3, "serviceArea": "Skype", "category": "Allow", "udpPorts": "3478,3479-x"}]',
    line: 1,
    reason: /"udpPorts" holds "3479-x"/,
    why: 'a port that is no port',
  },
  {
    format: 'm365-endpoints',
    text: '[{"serviceArea": "Skype", "category": "Allow"}]',
    line: 1,
    reason: /endpoint set element 1: expected a numeric "id"/,
    why: 'a set without an id',
  },
  {
    format: 'm365-endpoints',
    text: '{"error": "clientrequestid is not a GUID"}',
    line: 1,
    reason: /JSON array of endpoint sets/,
    why: 'an object, not the array of sets',
  },
];

t.test('broken files fail with a ListFormatError naming file, line and text', async (t) => {
  for (const r of rejects) {
    try {
      parseList(r.format, r.text, 'list.dat');
      t.fail(`should fail: ${r.why}`);
    } catch (err) {
      t.type(err, ListFormatError, r.why);
      const e = err as ListFormatError;
      t.equal(e.file, 'list.dat', `${r.why}: file`);
      t.equal(e.line, r.line, `${r.why}: line`);
      t.match(e.message, r.reason, `${r.why}: reason`);
      if (r.bad) t.match(e.text, r.bad, `${r.why}: text`);
      t.match(e.message, `list.dat:${r.line}: `, `${r.why}: the message starts with file:line`);
    }
  }
});

t.test('a valid file with no prefixes loads with the warning the other formats give', async (t) => {
  const empties: [ListFormat, string][] = [
    ['cloudflare', '# nothing\n'],
    ['fastly-ip-list', '{"addresses": [], "ipv6_addresses": []}'],
    ['github-meta', '{"hooks": [], "ssh_keys": ["ssh-ed25519 AAAA"]}'],
    ['oracle-ip-ranges', '{"last_updated_timestamp": "2026-01-01T00:00:00", "regions": []}'],
    ['geofeed', '# ip_prefix, alpha2code, region, city, postal_code\n'],
    ['m365-endpoints', '[{"id": 56, "serviceArea": "Common", "urls": ["*.msidentity.com"], "category": "Default", "required": true}]'],
  ];
  for (const [format, text] of empties) {
    const p = parseList(format, text, 'empty');
    t.same([p.entries.length, p.warnings], [0, ['the list holds no prefixes']], format);
  }
});

t.test('host bits are normalised with a warning, as in the existing formats', async (t) => {
  const cases: [ListFormat, string][] = [
    ['fastly-ip-list', '{"addresses": ["23.235.32.1/20"]}'],
    ['github-meta', '{"web": ["192.30.252.1/22"]}'],
    ['oracle-ip-ranges', '{"regions": [{"region": "x", "cidrs": [{"cidr": "129.80.0.1/16", "tags": ["OCI", "OSN"]}]}]}'],
    ['geofeed', '129.80.0.1/16,US,US-VA,Ashburn,\n'],
    ['m365-endpoints', '[{"id": 1, "serviceArea": "Exchange", "category": "Allow", "ips": ["13.107.6.153/31"]}]'],
  ];
  for (const [format, text] of cases) {
    const p = parseList(format, text, 'h');
    t.equal(p.entries.length, 1, format);
    t.match(p.warnings, [/^1 prefix had host bits set/], `${format}: counted once, however many names the line gives`);
  }
});

// Generated networks, written without ipdest's code: the oracle for the geofeed round trip.
const v4Network = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, bits]) => {
  const n = bits === 0 ? 0 : (a & (0xffffffff << (32 - bits))) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${bits}`;
});
const v6Network = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 3, max: 128 }))
  .map(([groups, bits]) => {
    groups[0] = 0x2000 | (groups[0]! & 0x1fff); // global unicast: never the IPv4-mapped block
    const masked = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, bits - 16 * i));
      return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
    });
    const full = masked.map((g) => g.toString(16)).join(':');
    // WHATWG URL serialises IPv6 the RFC 5952 way: an independent canonical form.
    return { text: full, canonical: `${new URL(`http://[${full}]/`).hostname.slice(1, -1)}/${bits}` };
  });
const network = fc.oneof(
  v4Network.map((s) => ({ text: s, canonical: s })),
  v6Network.map((n) => ({ text: `${n.text}/${n.canonical.split('/')[1]}`, canonical: n.canonical })),
);
const space = fc.constantFrom('', ' ', '  ', '\t');
const commentText = fc.stringMatching(/^[^\r\n]{0,30}$/);
const eol = fc.constantFrom('\n', '\r\n');

t.test('geofeed: random valid rows with comments and spacing give back their prefixes (property)', async (t) => {
  const cell = fc.stringMatching(/^[A-Za-z0-9 .-]{0,12}$/);
  const row = fc.record({
    net: network,
    cc: fc.constantFrom('', 'US', 'nl', 'DE'),
    region: fc.constantFrom('', 'US-CA', 'NL-NH', 'Bavaria'),
    city: cell,
    postal: cell,
    pad: space,
  });
  const line = fc.oneof(
    {
      weight: 3,
      arbitrary: row.map((r) => ({ text: `${r.pad}${r.net.text}${r.pad},${r.cc},${r.region},${r.city},${r.postal}`, net: r.net.canonical as string | null })),
    },
    { weight: 1, arbitrary: fc.tuple(space, commentText).map(([s, c]) => ({ text: `${s}#${c}`, net: null })) },
    { weight: 1, arbitrary: space.map((s) => ({ text: s, net: null })) },
  );
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), eol, (lines, nl) => {
      const want = new Set(lines.flatMap((l) => (l.net === null ? [] : [l.net])));
      const text = lines.map((l) => l.text).join(nl) + nl;
      if (text.trim() === '') return true;
      const p = parseList('geofeed', text, 'feed.csv');
      const got = p.entries.map((e) => e.prefix.toString());
      return got.length === want.size && got.every((g) => want.has(g)) && p.entries.every((e) => e.services.length === 0);
    }),
    { seed: 8805, numRuns: 1000 },
  );
  t.pass('1000 random geofeeds');
});

t.test('every new format survives random text: a result or a ListFormatError, never another throw (property)', async (t) => {
  const formats: ListFormat[] = ['cloudflare', 'fastly-ip-list', 'github-meta', 'oracle-ip-ranges', 'geofeed', 'netset', 'm365-endpoints'];
  const pieces = fc.constantFrom(
    '10.0.0.0/8',
    '2001:db8::/32',
    '1.2.3.4',
    '1.2.3.4/33',
    '#',
    ';',
    ',',
    '"',
    '\n',
    '\r\n',
    '{',
    '}',
    '[',
    ']',
    ':',
    '"addresses"',
    '"ipv6_addresses"',
    '"regions"',
    '"region"',
    '"cidrs"',
    '"cidr"',
    '"tags"',
    '"id"',
    '1',
    '"serviceArea"',
    '"category"',
    '"ips"',
    '"tcpPorts"',
    '"80,443"',
    '"hooks"',
    'null',
    'true',
    '"type"',
    '"metadata"',
    '"timestamp"',
    '1e308',
    '<html>',
    'US',
    'x',
    ' ',
    '\ufeff',
    '\t',
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...formats),
      fc.oneof(
        fc.array(pieces, { maxLength: 40 }).map((p) => p.join('')),
        fc.string({ maxLength: 200 }),
      ),
      (format, text) => {
        try {
          parseList(format, text, 'fuzz.txt');
        } catch (err) {
          if (!(err instanceof ListFormatError)) throw err;
          return err.line >= 1 && err.file === 'fuzz.txt';
        }
        return true;
      },
    ),
    { seed: 7, numRuns: 5000 },
  );
  t.pass('5000 random files');
});
