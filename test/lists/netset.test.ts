// Format netset: FireHOL, Spamhaus (text and JSON lines), Feodo and Emerging Threats feeds, their broken forms, fuzzed text.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ListFormatError } from '../../src/errors.js';
import { parseList, type ParsedList } from '../../src/lists/index.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

const raw = (...parts: string[]) => readFileSync(dataPath(...parts), 'utf8');
const family = (p: ParsedList) => ({
  v4: p.entries.filter((e) => e.prefix.version === 4).length,
  v6: p.entries.filter((e) => e.prefix.version === 6).length,
});
/** A feed's entries read without the parser: the first token of each line that starts with a hex digit. */
const rawEntries = (text: string) =>
  text
    .split('\n')
    .map((l) => /^\s*([0-9a-f][0-9a-f:.]*(?:\/\d+)?)\s*(?:[;#].*)?$/i.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
const count = (cidrs: string[]) => {
  const all = new Set(cidrs.map((c) => (c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`)));
  const v6 = [...all].filter((c) => c.includes(':')).length;
  return { v4: all.size - v6, v6 };
};
const has = (p: ParsedList, cidr: string) => p.entries.some((e) => e.prefix.toString() === cidr);

const feeds = [
  { path: ['firehol', 'firehol_level1.netset'], v4: 2892, v6: 0, version: '25992', spot: ['10.0.0.0/8', '1.10.16.0/20'], why: 'FireHOL: its Version counter' },
  {
    path: ['spamhaus', 'drop.txt'],
    v4: 1385,
    v6: 0,
    version: '2025-01-17T17:03:47Z',
    spot: ['1.10.16.0/20', '223.254.0.0/16'],
    why: 'Spamhaus DROP: Last-Modified',
  },
  { path: ['spamhaus', 'drop.2024-10-17.txt'], v4: 1356, v6: 0, version: '2024-10-17', spot: ['1.10.16.0/20'], why: 'the older DROP' },
  { path: ['spamhaus', 'dropv6.txt'], v4: 0, v6: 78, version: '2025-01-08T22:38:36Z', spot: ['2001:678:6c4::/48'], why: 'Spamhaus IPv6 DROP' },
  { path: ['spamhaus', 'edrop.txt'], v4: 289, v6: 0, version: '2023-12-01T14:47:07Z', spot: ['2.56.247.0/24'], why: 'EDROP while it had entries' },
  { path: ['abuse.ch', 'ipblocklist.txt'], v4: 261, v6: 0, version: '2021-07-22T09:29:53Z', spot: ['1.234.20.244/32'], why: 'Feodo: bare IPs, a boxed banner' },
  {
    path: ['emergingthreats', 'compromised-ips.txt'],
    v4: 539,
    v6: 0,
    version: null,
    spot: ['101.100.216.61/32'],
    why: 'Emerging Threats: no comments, no version',
  },
];

t.test('each real feed parses; its counts equal the raw file count', async (t) => {
  for (const f of feeds) {
    t.test(f.path.join('/'), sharedData('threat-intel', ...f.path), async (t) => {
      const text = raw('threat-intel', ...f.path);
      const p = parseList('netset', text, f.path[1]!);
      t.same(family(p), count(rawEntries(text)), 'distinct entries of the raw lines');
      t.same(family(p), { v4: f.v4, v6: f.v6 }, 'the counts ../shared/data/README.md gives');
      if (f.version !== null && f.version.length === 10) t.match(p.version, new RegExp(`^${f.version}T`), f.why);
      else t.equal(p.version, f.version, f.why);
      for (const s of f.spot) t.ok(has(p, s), `${s} is listed`);
      t.ok(
        p.entries.every((e) => e.services.length === 0 && e.regions.length === 0),
        'no services or regions',
      );
      t.same(p.warnings, []);
    });
  }
  t.test('FireHOL: 402 bare IPs are /32s, and the bogons are there as listed', sharedData('threat-intel', 'firehol', 'firehol_level1.netset'), async (t) => {
    const text = raw('threat-intel', 'firehol', 'firehol_level1.netset');
    const bare = rawEntries(text).filter((e) => !e.includes('/'));
    t.equal(bare.length, 402);
    const p = parseList('netset', text, 'firehol_level1.netset');
    t.ok(
      bare.every((b) => has(p, `${b}/32`)),
      'each bare IP as a /32',
    );
    for (const bogon of ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'])
      t.ok(has(p, bogon), bogon);
  });
});

t.test(
  'Spamhaus JSON lines (drop_v4.json): sniffed as netset, metadata timestamp is the version',
  sharedData('threat-intel', 'spamhaus', 'drop_v4.json'),
  async (t) => {
    const text = raw('threat-intel', 'spamhaus', 'drop_v4.json');
    const records = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { cidr?: string; type?: string });
    const cidrs = records.flatMap((r) => (r.cidr === undefined ? [] : [r.cidr]));
    t.equal(cidrs.length, 1670, 'records as the metadata line counts them');
    const p = parseList('netset', text, 'drop_v4.json');
    t.same(family(p), count(cidrs), 'distinct (62.60.226.0/24 is listed twice)');
    t.same(family(p), { v4: 1669, v6: 0 });
    t.equal(p.version, '2026-07-23T09:14:02Z', 'timestamp 1784798042 as ISO 8601');
    t.ok(has(p, '1.10.16.0/20'), 'the first record');
    t.ok(
      p.entries.every((e) => e.services.length === 0 && e.regions.length === 0),
      'the SBL id and RIR are not services or regions',
    );
  },
);

t.test(
  'Spamhaus EDROP after the merge: comments only, zero entries with the warning',
  sharedData('threat-intel', 'spamhaus', 'edrop.2024-10-18-merged-stub.txt'),
  async (t) => {
    const p = parseList('netset', raw('threat-intel', 'spamhaus', 'edrop.2024-10-18-merged-stub.txt'), 'edrop.txt');
    t.equal(p.entries.length, 0);
    t.same(p.warnings, ['the list holds no prefixes']);
    t.equal(p.version, '2024-10-18T10:22:39Z', 'still dated: the stub is a valid download');
  },
);

t.test('comment styles, bare addresses, versions on small feeds', async (t) => {
  const cases: { in: string; want: string[]; version: string | null; why: string }[] = [
    {
      in: '# Version : 7\n1.2.3.4\n2001:db8::1\n10.0.0.0/8 # note\n',
      want: ['1.2.3.4/32', '2001:db8::1/128', '10.0.0.0/8'],
      version: '7',
      why: 'bare IPs are /32 and /128',
    },
    {
      in: '; Last-Modified: Fri, 17 Jan 2025 17:03:47 GMT\n1.10.16.0/20 ; SBL256894\n; EOF\n',
      want: ['1.10.16.0/20'],
      version: '2025-01-17T17:03:47Z',
      why: 'Spamhaus `;` comments',
    },
    {
      in: '# This File Date  : Mon Jun  7 05:00:36 UTC 2021\n\t 203.0.113.0/24 \t\r\n',
      want: ['203.0.113.0/24'],
      version: '2021-06-07T05:00:36Z',
      why: 'FireHOL file date, padded day, tabs, CRLF',
    },
    { in: '1.2.3.4\n# Version : 9\n', want: ['1.2.3.4/32'], version: null, why: 'a comment after the first entry is not the header' },
    { in: '# Last updated: sometime\n1.2.3.4\n', want: ['1.2.3.4/32'], version: 'sometime', why: 'an unreadable date is kept as written' },
    {
      in: '# Version : 3\n# Last-Modified: Fri, 17 Jan 2025 17:03:47 GMT\n1.2.3.4\n',
      want: ['1.2.3.4/32'],
      version: '3',
      why: 'a version counter wins over a date',
    },
    {
      in: '{"cidr":"1.10.16.0/20","sblid":"SBL1","rir":"apnic"}\n\n{"type":"metadata","timestamp":0}\n',
      want: ['1.10.16.0/20'],
      version: '1970-01-01T00:00:00Z',
      why: 'JSON lines',
    },
    { in: '; comments first\n{"cidr":"2001:db8::/32"}\n', want: ['2001:db8::/32'], version: null, why: 'JSON lines after a comment; no metadata, no version' },
  ];
  for (const c of cases) {
    const p = parseList('netset', c.in, 'feed');
    t.same(
      p.entries.map((e) => e.prefix.toString()),
      c.want,
      c.why,
    );
    t.equal(p.version, c.version, `${c.why}: version`);
  }
  t.match(parseList('netset', '10.1.2.3/8\n', 'f').warnings, [/1 prefix had host bits set.*\(line 1\)/], 'host bits normalised with the warning text uses');
});

const rejects: { in: string; line: number; bad?: RegExp; reason: RegExp; why: string }[] = [
  { in: '<!doctype html>\n<html><body>403 Forbidden</body></html>\n', line: 1, reason: /an HTML page, not a list/, why: 'a block page in place of the feed' },
  { in: '', line: 1, reason: /the file is empty/, why: 'an empty download' },
  {
    in: '# ok\n1.2.3.0/24\n1.2.3.0/33 ; SBL1\n',
    line: 3,
    bad: /^1\.2\.3\.0\/33$/,
    reason: /invalid CIDR/,
    why: 'a bad CIDR names its line, without the comment',
  },
  { in: '1.2.3.4 5.6.7.8\n', line: 1, bad: /^1\.2\.3\.4 5\.6\.7\.8$/, reason: /invalid CIDR/, why: 'two addresses on a line' },
  { in: '1.2.3.4-1.2.3.9\n', line: 1, reason: /invalid CIDR/, why: 'a range is not a netset entry' },
  { in: '1.2.3.4,US\n', line: 1, reason: /invalid CIDR/, why: 'a CSV row (a geofeed) is not a netset' },
  { in: '{"cidr":"1.10.16.0/20"}\n{"cidr":"1.19.0.0/16"\n', line: 2, reason: /invalid JSON line/, why: 'truncated JSON lines' },
  { in: '{"cidr":"1.10.16.0/20"}\n{"cidr":"1.19.0.0/61"}\n', line: 2, bad: /^1\.19\.0\.0\/61$/, reason: /invalid CIDR/, why: 'a bad CIDR in JSON lines' },
  { in: '{"cidr":"1.10.16.0/20"}\n{"sblid":"SBL1"}\n', line: 2, reason: /expected \{"cidr": …\}/, why: 'a JSON line without its cidr' },
  { in: '{"cidr":"1.10.16.0/20"}\n1.19.0.0/16\n', line: 2, reason: /invalid JSON line/, why: 'JSON lines and text mixed' },
];

t.test('broken feeds fail with a ListFormatError naming file, line and text', async (t) => {
  for (const r of rejects) {
    try {
      parseList('netset', r.in, 'feed.netset');
      t.fail(`should fail: ${r.why}`);
    } catch (err) {
      t.type(err, ListFormatError, r.why);
      const e = err as ListFormatError;
      t.equal(e.file, 'feed.netset', `${r.why}: file`);
      t.equal(e.line, r.line, `${r.why}: line`);
      t.match(e.message, r.reason, `${r.why}: reason`);
      if (r.bad) t.match(e.text, r.bad, `${r.why}: text`);
    }
  }
});

// Generated entries written without ipdest's code: the oracle for the round trip.
const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined })).map(([a, bits]) => {
  const n = bits === undefined ? a >>> 0 : bits === 0 ? 0 : (a & (0xffffffff << (32 - bits))) >>> 0;
  const addr = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  return { text: bits === undefined ? addr : `${addr}/${bits}`, want: `${addr}/${bits ?? 32}` };
});
const v6 = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.option(fc.integer({ min: 3, max: 128 }), { nil: undefined }))
  .map(([groups, bits]) => {
    groups[0] = 0x2000 | (groups[0]! & 0x1fff); // global unicast: never the IPv4-mapped block
    const b = bits ?? 128;
    const masked = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, b - 16 * i));
      return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
    });
    const full = masked.map((g) => g.toString(16)).join(':');
    // WHATWG URL serialises IPv6 the RFC 5952 way: an independent canonical form.
    const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1);
    return { text: bits === undefined ? full : `${full}/${bits}`, want: `${canonical}/${b}` };
  });
const space = fc.constantFrom('', ' ', '  ', '\t', ' \t');
const commentText = fc.stringMatching(/^[^\r\n]{0,30}$/);
const mark = fc.constantFrom('#', ';');

t.test('random valid lines with random comments and spacing round-trip to the same prefix set (property)', async (t) => {
  const entryLine = fc
    .record({ e: fc.oneof(v4, v6), lead: space, trail: space, comment: fc.option(fc.tuple(mark, commentText), { nil: undefined }) })
    .map((r) => ({ text: `${r.lead}${r.e.text}${r.trail}${r.comment ? `${r.comment[0]}${r.comment[1]}` : ''}`, want: r.e.want as string | null }));
  const other = fc.oneof(
    fc.tuple(space, mark, commentText).map(([s, m, c]) => ({ text: `${s}${m}${c}`, want: null })),
    space.map((s) => ({ text: s, want: null })),
  );
  const line = fc.oneof({ weight: 3, arbitrary: entryLine }, { weight: 1, arbitrary: other });
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), (lines, eol, finalEol) => {
      const text = lines.map((l) => l.text).join(eol) + (finalEol ? eol : '');
      if (text.trim() === '') return true;
      const want = new Set(lines.flatMap((l) => (l.want === null ? [] : [l.want])));
      const got = parseList('netset', text, 'feed').entries.map((e) => e.prefix.toString());
      return got.length === want.size && got.every((g) => want.has(g));
    }),
    { seed: 1918, numRuns: 1000 },
  );
  t.pass('1000 random feeds');
});

t.test('random garbage never throws anything but a ListFormatError (property)', async (t) => {
  const piece = fc.constantFrom(
    '1.2.3.4',
    '/',
    '/24',
    '::',
    ':',
    '.',
    '#',
    ';',
    ' ',
    '\t',
    '\n',
    '\r',
    '{',
    '}',
    '"cidr"',
    '"type"',
    '"metadata"',
    '"timestamp"',
    ':1e308',
    ',',
    'SBL1',
    '<',
    'x',
    '\ufeff',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
      ),
      (text) => {
        try {
          parseList('netset', text, 'fuzz');
        } catch (err) {
          if (!(err instanceof ListFormatError)) throw err;
          return err.line >= 1;
        }
        return true;
      },
    ),
    { seed: 42, numRuns: 5000 },
  );
  t.pass('5000 random files');
});
