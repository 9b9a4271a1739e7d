// List formats: each format's own fixture, its broken files, and fuzzed text that must never crash.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ListFormatError } from '../../src/errors.js';
import { parseList, type ListFormat, type ParsedList } from '../../src/lists/index.js';
import { FIXTURES } from '../helpers/shared-data.js';

const fixture = (name: string) => resolve(FIXTURES, 'lists', name);
const parseFixture = (format: ListFormat, name: string, column?: string | number): ParsedList =>
  parseList(format, readFileSync(fixture(name), 'utf8'), name, { column });
const summary = (p: ParsedList) => p.entries.map((e) => [e.prefix.toString(), [...e.services], [...e.regions]]);

t.test('text: comments, blank lines, CRLF, BOM, bare addresses, host bits', async (t) => {
  const p = parseFixture('text', 'text-good.txt');
  t.same(
    summary(p).map((e) => e[0]),
    ['203.0.113.0/24', '198.51.100.7/32', '10.0.0.0/8', '2001:db8:abcd::/48', '192.0.2.0/25'],
  );
  t.equal(p.version, null, 'text lists carry no version of their own');
  t.equal(p.warnings.length, 1);
  t.match(p.warnings[0], /1 prefix had host bits set.*10\.1\.2\.3\/8 → 10\.0\.0\.0\/8 \(line 5\)/);
});

interface Broken {
  format: ListFormat;
  file: string;
  line: number;
  text?: RegExp;
  reason: RegExp;
  column?: string;
  why: string;
}

const broken: Broken[] = [
  { format: 'text', file: 'text-bad-line7.txt', line: 7, text: /^10\.0\.0\.0\/33$/, reason: /invalid CIDR/, why: 'a bad CIDR on line 7 names line 7' },
  { format: 'text', file: 'text-empty.txt', line: 1, reason: /empty/, why: 'an empty file is an error, never an empty list' },
  { format: 'msft-public-ip-csv', file: 'msft-bad.csv', line: 3, text: /13\.64\.0\.0\/11x/, reason: /invalid CIDR/, why: 'a bad row names its line' },
  { format: 'msft-public-ip-csv', file: 'text-empty.txt', line: 1, reason: /empty/, why: 'empty CSV' },
  {
    format: 'azure-service-tags',
    file: 'azure-bad-cidr.json',
    line: 43,
    text: /13\.107\.4\.0\/222/,
    reason: /invalid CIDR in tag AzureFrontDoor\.FirstParty/,
    why: 'the line of the bad prefix inside the JSON',
  },
  { format: 'azure-service-tags', file: 'azure-truncated.json', line: 14, reason: /invalid JSON/, why: 'a truncated download' },
  { format: 'azure-service-tags', file: 'text-good.txt', line: 1, reason: /invalid JSON/, why: 'not JSON at all' },
  { format: 'azure-service-tags', file: 'aws-sample.json', line: 1, reason: /"values"/, why: 'JSON of the wrong format' },
  { format: 'aws-ip-ranges', file: 'aws-missing-field.json', line: 1, reason: /expected "ip_prefix"/, why: 'an element without its prefix' },
  { format: 'aws-ip-ranges', file: 'text-empty.txt', line: 1, reason: /empty/, why: 'empty JSON file' },
  { format: 'google-ip-ranges', file: 'azure-tags-20250106.json', line: 1, reason: /"prefixes"/, why: 'JSON of the wrong format' },
  { format: 'csv', file: 'csv-bad.csv', line: 2, text: /999\.1\.1\.1\/8/, reason: /invalid CIDR/, column: 'network', why: 'bad CIDR in the named column' },
  { format: 'csv', file: 'networks.csv', line: 1, reason: /no column named "cidr"/, column: 'cidr', why: 'a column that is not in the header' },
  {
    format: 'ranges-csv',
    file: 'ranges-bad.csv',
    line: 4,
    text: /^203\.0\.113\.9,203\.0\.113\.1,64498$/,
    reason: /invalid range \(the start is after the end\)/,
    why: 'a reversed range names its line',
  },
  { format: 'ranges-csv', file: 'text-empty.txt', line: 1, reason: /empty/, why: 'an empty ranges file' },
  { format: 'ranges-csv', file: 'text-good.txt', line: 3, text: /203\.0\.113\.0\/24/, reason: /needs start,end/, why: 'a CIDR list is not a ranges list' },
];

t.test('broken files fail with file, line and text', async (t) => {
  for (const b of broken) {
    try {
      parseFixture(b.format, b.file, b.column);
      t.fail(`${b.file} as ${b.format} should fail (${b.why})`);
    } catch (err) {
      t.type(err, ListFormatError, b.why);
      const e = err as ListFormatError;
      t.equal(e.code, 'LIST_FORMAT');
      t.equal(e.file, b.file, `${b.why}: file`);
      t.equal(e.line, b.line, `${b.why}: line`);
      if (b.text) t.match(e.text, b.text, `${b.why}: text`);
      t.match(e.message, b.reason, `${b.why}: reason`);
      t.match(e.message, `${b.file}:${b.line}`, 'the message starts with file:line');
    }
  }
});

t.test('text: a file of comments only loads with a warning', async (t) => {
  const p = parseFixture('text', 'text-comments-only.txt');
  t.equal(p.entries.length, 0);
  t.match(p.warnings, [/no prefixes/]);
});

t.test('msft-public-ip-csv: header, CRLF, space after the comma', async (t) => {
  const p = parseFixture('msft-public-ip-csv', 'msft-sample.csv');
  t.same(summary(p), [
    ['4.128.0.0/12', [], []],
    ['13.64.0.0/11', [], []],
    ['13.104.0.0/14', [], []],
    ['2603:1000::/24', [], []],
  ]);
  t.match(p.version, null);
});

t.test('azure-service-tags: every tag is a service, non-empty regions, one entry per prefix', async (t) => {
  const p = parseFixture('azure-service-tags', 'azure-tags-20250106.json');
  t.equal(p.version, '300', 'changeNumber is the version');
  t.same(summary(p), [
    ['13.64.0.0/16', ['AzureCloud'], []],
    ['20.44.64.0/18', ['AzureCloud', 'AzureCloud.eastus2'], ['eastus2']],
    ['2603:1000::/47', ['AzureCloud'], []],
    ['13.107.4.0/22', ['AzureFrontDoor.FirstParty'], []],
  ]);
});

t.test('aws-ip-ranges: a prefix once per service becomes one entry', async (t) => {
  const p = parseFixture('aws-ip-ranges', 'aws-sample.json');
  t.equal(p.version, '1700000000');
  t.same(summary(p), [
    ['13.32.0.0/15', ['AMAZON', 'CLOUDFRONT'], ['GLOBAL']],
    ['3.5.140.0/22', ['AMAZON'], ['ap-northeast-2']],
    ['2406:daba:f000::/40', ['AMAZON'], ['ap-southeast-4']],
  ]);
});

t.test('google-ip-ranges: goog.json and cloud.json', async (t) => {
  const goog = parseFixture('google-ip-ranges', 'google-goog-sample.json');
  t.equal(goog.version, '1714053903000');
  t.same(summary(goog), [
    ['8.8.4.0/24', [], []],
    ['8.8.8.0/24', [], []],
    ['2001:4860::/32', [], []],
  ]);
  const cloud = parseFixture('google-ip-ranges', 'google-cloud-sample.json');
  t.same(summary(cloud), [
    ['34.35.0.0/16', ['Google Cloud'], ['africa-south1']],
    ['2600:1900:8000::/44', ['Google Cloud'], ['us-central1']],
  ]);
});

t.test('csv: column by name or number, quoted cells, several prefixes in a cell, BOM', async (t) => {
  const byName = parseFixture('csv', 'networks.csv', 'Network');
  t.same(
    summary(byName).map((e) => e[0]),
    ['198.51.100.0/24', '192.0.2.0/24', '2001:db8::/32'],
  );
  const byNumber = parseFixture('csv', 'networks.csv', 2);
  t.same(summary(byNumber), summary(byName));
});

t.test('ranges-csv: ip-location-db, DB-IP and iptoasn rows become their minimal covers', async (t) => {
  const p = parseFixture('ranges-csv', 'ranges-sample.csv');
  t.same(summary(p), [
    ['1.0.0.0/24', [], []],
    ['192.0.2.1/32', [], []],
    ['192.0.2.2/31', [], []],
    ['192.0.2.4/31', [], []],
    ['192.0.2.6/32', [], []],
    ['198.51.100.0/23', [], []],
    ['203.0.113.0/25', [], []],
    ['203.0.113.128/25', [], []],
    ['192.0.2.128/25', [], []],
    ['2001:db8::/48', [], []],
  ]);
  t.equal(p.version, null);
  t.same(p.warnings, []);
  const one = (text: string) => parseList('ranges-csv', text, 'r.csv').entries.map((e) => e.prefix.toString());
  t.same(one('\ufeff10.0.0.0,10.0.0.3\r\n10.0.0.4 , 10.0.0.4\r\n'), ['10.0.0.0/30', '10.0.0.4/32'], 'BOM, CRLF, spaces around the cells');
  t.same(one('0.0.0.0,255.255.255.255\n'), ['0.0.0.0/0']);
  t.same(one('::fffe:ffff:ffff,::ffff:0.0.0.1\n'), ['::fffe:ffff:ffff/128', '0.0.0.0/31'], 'across the edge of the IPv4-mapped block');
  const empty = parseList('ranges-csv', '# nothing\n', 'r.csv');
  t.same([empty.entries.length, empty.warnings], [0, ['the list holds no prefixes']], 'comments only: empty, with the warning');
  const bad: [string, RegExp][] = [
    ['10.0.0.1', /needs start,end/],
    ['10.0.0.1,', /range end is empty/],
    ['10.0.0.256,10.0.1.0', /invalid range start \(IPv4 field has value >255\)/],
    ['10.0.0.1,10.0.0.01', /invalid range end \(IPv4 field has octet with leading zero\)/],
    ['10.0.0.0/8,10.255.255.255', /invalid range start \(a CIDR prefix is not an address\)/],
    ['10.0.0.1,2001:db8::1', /invalid range \(the start and the end are of different address families\)/],
    ['fe80::1%eth0,fe80::2', /invalid range \(a range has no zone\)/],
    ['[2001:db8::1],2001:db8::2', /range start is bracketed/],
    ['16909060,16909319,9999', /invalid range start/],
  ];
  for (const [line, reason] of bad) {
    try {
      parseList('ranges-csv', `# ok\n1.0.0.0,1.0.0.255\n${line}\n`, 'r.csv');
      t.fail(`${line} should fail`);
    } catch (err) {
      t.type(err, ListFormatError);
      t.match(err, { file: 'r.csv', line: 3, text: line, message: reason }, line);
    }
  }
});

t.test('every format survives random text: a result or a ListFormatError, never another throw (property)', async (t) => {
  const formats: ListFormat[] = ['text', 'msft-public-ip-csv', 'azure-service-tags', 'aws-ip-ranges', 'google-ip-ranges', 'csv', 'ranges-csv'];
  const pieces = fc.constantFrom(
    '10.0.0.0/8',
    '2001:db8::/32',
    '#',
    ',',
    '"',
    '\n',
    '\r\n',
    '{',
    '}',
    '[',
    ']',
    ':',
    '"values"',
    '"prefixes"',
    '"ip_prefix"',
    'x',
    ' ',
    '\ufeff',
    '1.2.3.4/33',
    '"addressPrefixes"',
    '1.0.0.0,1.0.0.255',
    '2001:db8::,2001:db8::ff',
    '\t',
  );
  fc.assert(
    fc.property(fc.constantFrom(...formats), fc.array(pieces, { maxLength: 40 }), (format, parts) => {
      try {
        parseList(format, parts.join(''), 'fuzz.txt', { column: 1 });
      } catch (err) {
        if (!(err instanceof ListFormatError)) throw err;
        return err.line >= 1;
      }
      return true;
    }),
    { seed: 3, numRuns: 5000 },
  );
  t.pass('5000 random files');
});
