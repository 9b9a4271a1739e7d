// `ipdest lists show|check` with the contract's source, published and age fields: a snapshot-served list beside a file.
import t from 'tap';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_FILE } from '../../src/lists/index.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/shared-data.js';

function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-show-'));
  copyFileSync(join(FIXTURES, 'lists', 'msft-sample.csv'), join(dir, 'msft-public-ips.csv'));
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(
    cfg,
    `lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: ServiceTags_Public_*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-public-ips.csv }
`,
  );
  return cfg;
}

t.test('lists show --json: source, file, published, fetchedAt, activatedAt, stale, rejected', async (t) => {
  const r = await runCli(['lists', 'show', '-c', config(), '--json']);
  t.equal(r.code, 0);
  const doc = JSON.parse(r.out);
  const [azure, microsoft] = doc.lists;
  t.match(azure, {
    name: 'azure',
    state: 'loaded',
    source: 'snapshot',
    file: SNAPSHOT_FILE,
    published: /^\d{4}-\d{2}-\d{2}$/,
    fetchedAt: null,
    activatedAt: null,
    rejected: null,
  });
  t.type(azure.stale, 'boolean');
  t.match(microsoft, {
    name: 'microsoft',
    state: 'loaded',
    source: 'file',
    file: /msft-public-ips\.csv$/,
    published: null,
    stale: false,
    fetchedAt: null,
    rejected: null,
  });
  t.same(doc.stale, azure.stale ? ['azure'] : [], 'the stale names at the top');
  t.notOk('entries' in azure, 'no raw entries');
});

t.test('lists show: PUBLISHED, SOURCE and FILE columns; check exits 1 while a list stands in the snapshot', async (t) => {
  const cfg = config();
  const show = await runCli(['lists', 'show', '-c', cfg]);
  t.equal(show.code, 0);
  t.match(show.out, /LIST\s+TAG\s+FORMAT\s+STATE\s+V4\s+V6\s+VERSION\s+PUBLISHED\s+SOURCE\s+FILE/);
  t.match(
    show.out,
    /azure\s+Microsoft\s+azure-service-tags\s+loaded\s+\d+\s+\d+\s+\d+\s+\d{4}-\d{2}-\d{2}( \(stale\))?\s+snapshot\s+\S*public-lists\.json\.gz/,
  );
  t.match(show.out, /microsoft\s+Microsoft\s+msft-public-ip-csv\s+loaded\s+\d+\s+\d+\s+\S+\s+-\s+file\s+\S*msft-public-ips\.csv/);
  t.match(show.out, /warning: azure: no file at .*serving ipdest's snapshot of/);
  const check = await runCli(['lists', 'check', '-c', cfg]);
  t.equal(check.code, 1, 'the file is still missing');
  t.match(check.out, /1 list\(s\) not loaded from their file: azure \(served from the snapshot\)/);
});
