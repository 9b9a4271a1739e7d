// The shipped snapshot: it round-trips the official files, is rebuilt byte for byte, stands in only for absent files, and a damaged one is a warning.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseConfigText } from '../../src/config/index.js';
import { loadList, loadLists, parseList, readSnapshot, SNAPSHOT_FILE, type Classified, type ListSource } from '../../src/lists/index.js';
import { dataPath, FIXTURES, PROJECT_ROOT, SHARED_DATA, sharedData } from '../helpers/shared-data.js';

// The default lists the snapshot holds: m365 has no published copy to derive one from.
const DEFAULTS = parseConfigText(readFileSync(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), 'utf8'), 'config/ipdest.yaml').lists.filter(
  (l) => l.name !== 'm365',
);

// The official file of each default list in ../shared/data, as make-snapshot reads it.
const RAW: Record<string, string[]> = {
  azure: ['azure', 'ServiceTags_Public_20251028.json'],
  microsoft: ['microsoft', 'msft-public-ips.csv'],
  aws: ['aws', 'ip-ranges.json'],
  'google-cloud': ['google', 'cloud.json'],
  google: ['google', 'goog.json'],
};

const view = (entries: readonly { prefix: { toString(): string }; services: readonly string[]; regions: readonly string[] }[]) =>
  entries.map((e) => [e.prefix.toString(), [...e.services], [...e.regions]]);

t.test('the snapshot has every default list, dated, with where it came from', async (t) => {
  const snap = await readSnapshot();
  t.same(
    snap.names,
    DEFAULTS.map((l) => l.name),
    'the default config lists, in its order',
  );
  for (const spec of DEFAULTS) {
    const l = snap.list(spec.name, spec.format)!;
    t.ok(l, spec.name);
    t.match(l.published, /^\d{4}-\d{2}-\d{2}/, `${spec.name}: published is an ISO date`);
    t.match(l.origin, { sha256: /^[0-9a-f]{64}$/, bytes: Number }, `${spec.name}: origin`);
    t.ok(l.parsed.entries.length > 0, `${spec.name}: has entries`);
  }
  t.equal(snap.list('azure', 'text'), undefined, 'a list of the same name in another format is not the same list');
  t.equal(await readSnapshot(), snap, 'read once per process');
  t.equal(snap.list('aws', 'aws-ip-ranges')!.parsed.entries, snap.list('aws', 'aws-ip-ranges')!.parsed.entries, "a list's entries are built once");
  t.ok(readFileSync(SNAPSHOT_FILE).length < 2 * 1024 * 1024, 'the shipped file stays under 2 MB');
});

t.test('round trip: each list of the snapshot equals the official file parsed now', sharedData('azure', 'ServiceTags_Public_20251028.json'), async (t) => {
  const snap = await readSnapshot();
  for (const spec of DEFAULTS) {
    const path = dataPath(...RAW[spec.name]!);
    const raw = readFileSync(path);
    const parsed = parseList(spec.format, raw.toString('utf8'), basename(path));
    const l = snap.list(spec.name, spec.format)!;
    t.equal(l.origin.file, basename(path), `${spec.name}: the file it was made from`);
    t.equal(l.origin.bytes, raw.length, `${spec.name}: its size`);
    t.equal(l.parsed.version, parsed.version, `${spec.name}: version`);
    t.equal(l.parsed.entries.length, parsed.entries.length, `${spec.name}: as many entries`);
    t.same(view(l.parsed.entries), view(parsed.entries), `${spec.name}: the same entries, in the same order`);
  }
});

t.test('make-snapshot: two runs write the same bytes, and the same lists as the shipped file', sharedData('azure'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-snapshot-'));
  const run = (out: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'scripts', 'make-snapshot.ts'), '--data', SHARED_DATA, '--out', out], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
  t.match(run(join(dir, 'a.json.gz')), /wrote .*a\.json\.gz: \d+ bytes/);
  run(join(dir, 'b.json.gz'));
  const a = readFileSync(join(dir, 'a.json.gz'));
  t.ok(a.equals(readFileSync(join(dir, 'b.json.gz'))), 'byte-identical');
  t.equal(a.readUInt32LE(4), 0, 'gzip header time 0');
  // The compressed bytes may differ with another zlib; the content may not (else: npm run snapshot).
  t.equal(gunzipSync(a).toString('utf8'), gunzipSync(readFileSync(SNAPSHOT_FILE)).toString('utf8'), 'the shipped snapshot is what the script writes');
});

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-snaplists-'));
  for (const [name, from] of Object.entries(files)) copyFileSync(join(FIXTURES, 'lists', from), join(dir, name));
  return dir;
}

const AZURE: ListSource = { name: 'azure', tag: 'Microsoft', format: 'azure-service-tags', path: 'ServiceTags_Public_*.json' };
const MICROSOFT: ListSource = { name: 'microsoft', tag: 'Microsoft', format: 'msft-public-ip-csv', path: 'msft-public-ips.csv' };

t.test('an absent file: the snapshot serves, dated, with a warning saying how to get fresh files', async (t) => {
  const dir = tempDir();
  const snap = (await readSnapshot()).list('azure', 'azure-service-tags')!;
  const l = await loadList(AZURE, dir);
  t.match(l, {
    state: 'loaded',
    source: 'snapshot',
    file: SNAPSHOT_FILE,
    version: snap.parsed.version,
    published: snap.published,
    fetchedAt: null,
    activatedAt: null,
    rejected: null,
  });
  t.equal(l.entries.length, snap.parsed.entries.length);
  t.match(l.warnings[0], new RegExp(`no file at .*ServiceTags_Public_\\*\\.json.*serving ipdest's snapshot of ${snap.published}.*\`ipdest lists update\``));
  const old = Date.now() - Date.parse(snap.published!) > 30 * 86_400_000;
  t.equal(l.stale, old, 'stale when published more than 30 days ago');
  t.equal(l.staleAt, new Date(Date.parse(snap.published!) + 30 * 86_400_000).toISOString());
  const young = await loadList({ ...AZURE, maxAge: Date.now() - Date.parse(snap.published!) + 86_400_000 }, dir);
  t.equal(young.stale, false, "a max age longer than the snapshot's age: not stale");
});

t.test('a present file always wins; lists the snapshot lacks stay missing', async (t) => {
  const dir = tempDir({ 'msft-public-ips.csv': 'msft-sample.csv', 'ServiceTags_Public_20250113.json': 'azure-tags-20250113.json' });
  const set = await loadLists(
    [
      AZURE,
      MICROSOFT,
      { name: 'mine', tag: 'Mine', format: 'text', path: 'mine.txt' },
      // The snapshot's aws is aws-ip-ranges: a text list of that name is another list.
      { name: 'aws', tag: 'AWS', format: 'text', path: 'aws.txt' },
    ],
    { baseDir: dir },
  );
  const [azure, microsoft, mine, aws] = set.lists;
  t.match(azure, {
    state: 'loaded',
    source: 'file',
    file: join(dir, 'ServiceTags_Public_20250113.json'),
    version: '301',
    published: '2025-01-13',
    stale: false,
  });
  t.match(microsoft, { state: 'loaded', source: 'file', file: join(dir, 'msft-public-ips.csv'), published: null, stale: false, staleAt: null });
  t.same(microsoft!.warnings, [], 'no snapshot warning for a file that is there');
  t.match(mine, { state: 'missing', source: null, entries: [] });
  t.match(aws, { state: 'missing', source: null, entries: [] });

  // Every file there: the snapshot is not even read (a broken one says nothing).
  const broken = join(dir, 'broken.json.gz');
  writeFileSync(broken, 'not gzip');
  const all = await loadLists([AZURE, MICROSOFT], { baseDir: dir, snapshot: broken });
  t.same(
    all.lists.flatMap((l) => l.warnings),
    [],
    'no snapshot warning when no list needs it',
  );
});

t.test('a file that goes away keeps its last good version; the snapshot does not replace it', async (t) => {
  const dir = tempDir({ 'msft-public-ips.csv': 'msft-sample.csv' });
  const first = await loadList(MICROSOFT, dir);
  t.equal(first.source, 'file');
  const after = await loadList({ ...MICROSOFT, path: 'gone.csv' }, dir, first);
  t.match(after, { state: 'missing', source: 'file', version: first.version, entries: first.entries });
  // A list the snapshot served is served by it again (it may have been replaced by a new snapshot).
  const fromSnap = await loadList(MICROSOFT, tempDir());
  const again = await loadList(MICROSOFT, tempDir(), fromSnap);
  t.match(again, { state: 'loaded', source: 'snapshot' });
});

t.test('a damaged or missing snapshot is a warning: the lists are missing, nothing throws', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-badsnap-'));
  const good = readFileSync(SNAPSHOT_FILE);
  const cases: Array<{ name: string; bytes: Buffer | null; why: RegExp }> = [
    { name: 'garbage.gz', bytes: Buffer.from('not gzip at all'), why: /not a whole gzip file/ },
    { name: 'truncated.gz', bytes: good.subarray(0, good.length >> 1), why: /not a whole gzip file/ },
    { name: 'not-json.gz', bytes: gzipSync('{"layout": 1, "lists": ['), why: /not JSON/ },
    { name: 'layout.gz', bytes: gzipSync(JSON.stringify({ layout: 99, lists: [] })), why: /layout 99, this ipdest reads layout 1/ },
    {
      name: 'bad-prefix.gz',
      bytes: gzipSync(
        JSON.stringify({
          layout: 1,
          note: '',
          lists: [
            {
              name: 'microsoft',
              format: 'msft-public-ip-csv',
              published: null,
              version: null,
              origin: { file: 'x', sha256: '', bytes: 0, url: null },
              warnings: [],
              sets: [[]],
              cidrs: ['10.0.0.1/8'],
              services: [0],
              regions: [0],
            },
          ],
        }),
      ),
      why: /prefix "10\.0\.0\.1\/8": host bits are set/,
    },
    { name: 'absent.gz', bytes: null, why: /no such file/ },
  ];
  for (const c of cases) {
    const file = join(dir, c.name);
    if (c.bytes) writeFileSync(file, c.bytes);
    const set = await loadLists([AZURE, MICROSOFT], { baseDir: dir, snapshot: file });
    const [, microsoft] = set.lists;
    t.match(microsoft, { state: 'missing', source: null, entries: [] }, c.name);
    t.match(microsoft!.warnings, [/no file at/, c.why], `${c.name}: the reason is in the warnings`);
    t.equal((set.classifier.lookup('13.107.4.50') as Classified).set.tag, null, `${c.name}: nothing serves 13.107.4.50`);
  }
  const none = await loadList(MICROSOFT, dir, undefined, { snapshot: null });
  t.same(none.warnings.length, 1, 'snapshot: null: no snapshot, only the missing file');
});
