// A valid file that holds no prefixes never replaces a good list, unless the list says allowEmpty.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadList, type ListSource } from '../../src/lists/index.js';
import { testApp } from '../helpers/app.js';
import { FIXTURES, dataPath, sharedData } from '../helpers/shared-data.js';

const fixture = (name: string) => readFileSync(resolve(FIXTURES, 'lists', name), 'utf8');

/** Per format: a good file, an address it tags, and a valid file of the same format with no entries. */
const FORMATS = [
  { name: 'text', format: 'text', file: 'mine.txt', good: '198.51.100.0/24\n', ip: '198.51.100.7', empty: '# nothing listed today\n\n' },
  { name: 'msft', format: 'msft-public-ip-csv', file: 'msft.csv', good: fixture('msft-sample.csv'), ip: '13.104.0.1', empty: 'Prefix,Type\r\n' },
  {
    name: 'azure',
    format: 'azure-service-tags',
    file: 'azure.json',
    good: fixture('azure-tags-20250106.json'),
    ip: '13.107.4.50',
    empty: '{"changeNumber": 301, "cloud": "Public", "values": []}',
  },
  {
    name: 'aws',
    format: 'aws-ip-ranges',
    file: 'aws.json',
    good: fixture('aws-sample.json'),
    ip: '13.32.0.1',
    empty: '{"syncToken": "1700000001", "createDate": "2025-01-02-00-00-00", "prefixes": [], "ipv6_prefixes": []}',
  },
  {
    name: 'google',
    format: 'google-ip-ranges',
    file: 'cloud.json',
    good: fixture('google-cloud-sample.json'),
    ip: '34.35.1.1',
    empty: '{"syncToken": "1714053903001", "creationTime": "2024-04-26T07:05:03", "prefixes": []}',
  },
  { name: 'net', format: 'csv', file: 'networks.csv', good: fixture('networks.csv'), ip: '192.0.2.9', empty: 'name,network,owner\n', column: 'network' },
  { name: 'ranges', format: 'ranges-csv', file: 'asn.csv', good: fixture('ranges-sample.csv'), ip: '198.51.101.7', empty: '# no ranges this month\n' },
] as const;

const yaml = (extra: string) =>
  'lists:\n' +
  FORMATS.map(
    (f) => `  - { name: ${f.name}, tag: T-${f.name}, format: ${f.format}, path: ${f.file}${'column' in f ? `, column: ${f.column}` : ''}${extra} }\n`,
  ).join('');

const json = (body: string) => JSON.parse(body);

t.test('every format: an empty file after a good one fails, the good one stays, /lists says why', async (t) => {
  const files = Object.fromEntries(FORMATS.map((f) => [f.file, f.good]));
  const { app, state, dir } = await testApp({ config: yaml(''), files });
  t.teardown(() => app.close());
  t.ok(state.lists.ok, 'the good files load');
  const tagged = (ip: string) => (state.enricher.lookup(ip) as { IPDestination?: string | null }).IPDestination;
  for (const f of FORMATS) if (f.ip) t.equal(tagged(f.ip), `T-${f.name}`, `${f.name}: ${f.ip} tagged before`);
  const before = new Map(state.lists.lists.map((l) => [l.name, l]));

  for (const f of FORMATS) writeFileSync(join(dir, f.file), f.empty);
  const outcome = await state.reload('test');
  t.equal(outcome.ok, false, 'the reload says a list failed');
  for (const f of FORMATS) if (f.ip) t.equal(tagged(f.ip), `T-${f.name}`, `${f.name}: ${f.ip} still tagged by the last good version`);

  const body = json((await app.inject({ method: 'GET', url: '/lists' })).body);
  t.equal(body.status, 'degraded');
  t.same(
    body.failed,
    FORMATS.map((f) => f.name),
  );
  for (const f of FORMATS) {
    const l = body.lists.find((x: { name: string }) => x.name === f.name);
    const was = before.get(f.name)!;
    t.match(l, { state: 'failed', version: was.version, prefixes: was.prefixes, loadedAt: was.loadedAt }, `${f.name}: the last good version is in service`);
    t.match(
      l.error.message,
      new RegExp(
        `${f.file} parsed to no prefixes: an empty ${f.format} list does not replace the one in service \\(if list "${f.name}" may really be empty, set allowEmpty: true on it\\)`,
      ),
      `${f.name}: the reason and the way out`,
    );
  }
});

t.test('allowEmpty: true: the empty file loads as an empty list', async (t) => {
  const files = Object.fromEntries(FORMATS.map((f) => [f.file, f.good]));
  const { app, state, dir } = await testApp({ config: yaml(', allowEmpty: true'), files });
  t.teardown(() => app.close());
  for (const f of FORMATS) writeFileSync(join(dir, f.file), f.empty);
  const outcome = await state.reload('test');
  t.equal(outcome.ok, true);
  const body = json((await app.inject({ method: 'GET', url: '/lists' })).body);
  t.equal(body.status, 'ready');
  for (const f of FORMATS) {
    t.match(
      body.lists.find((x: { name: string }) => x.name === f.name),
      { state: 'loaded', prefixes: { v4: 0, v6: 0 }, error: null },
      `${f.name}: loaded empty`,
    );
    if (f.ip) t.equal((state.enricher.lookup(f.ip) as { IPDestination?: string | null }).IPDestination, null, `${f.name}: ${f.ip} no longer tagged`);
  }
});

t.test('an empty list with no good version before: failed, nothing in service, no version', async (t) => {
  const dir = (await testApp({ config: 'lists: []\n' })).dir;
  writeFileSync(join(dir, 'mine.txt'), '# empty\n');
  const src: ListSource = { name: 'mine', tag: 'Mine', format: 'text', path: 'mine.txt' };
  t.match(await loadList(src, dir), {
    state: 'failed',
    version: null,
    loadedAt: null,
    prefixes: { v4: 0, v6: 0 },
    error: { message: /parsed to no prefixes/ },
    warnings: [/no prefixes/],
  });
  t.match(await loadList({ ...src, allowEmpty: true }, dir), { state: 'loaded', version: /^sha256:/, error: null });
});

t.test('the real AWS file, then an empty one: 52.95.110.1 stays AWS', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const { app, state, dir } = await testApp({
    config: 'lists:\n  - { name: aws, tag: AWS, format: aws-ip-ranges, path: ip-ranges.json }\n',
    files: { 'ip-ranges.json': readFileSync(dataPath('aws', 'ip-ranges.json'), 'utf8') },
  });
  t.teardown(() => app.close());
  t.equal((state.enricher.lookup('52.95.110.1') as { IPDestination?: string | null }).IPDestination, 'AWS');
  writeFileSync(join(dir, 'ip-ranges.json'), '{"syncToken": "1", "createDate": "2025-11-01-00-00-00", "prefixes": [], "ipv6_prefixes": []}');
  await state.reload('test');
  t.equal((state.enricher.lookup('52.95.110.1') as { IPDestination?: string | null }).IPDestination, 'AWS', 'not Unlisted: the good version stays');
  const answer = json((await app.inject({ method: 'GET', url: '/lookup/52.95.110.1' })).body);
  t.match(answer, { IPDestination: 'AWS', label: 'AWS' });
  t.match(json((await app.inject({ method: 'GET', url: '/lists' })).body), {
    status: 'degraded',
    failed: ['aws'],
    lists: [{ name: 'aws', state: 'failed', error: { message: /parsed to no prefixes/ } }],
  });
});
