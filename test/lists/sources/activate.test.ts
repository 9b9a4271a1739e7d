// Activation and history: a crash before the rename leaves the previous file active, rollback restores the previous version.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSourceState, rollbackList, RollbackError, updateList, type UpdateOptions } from '../../../src/lists/index.js';
import { dataPath, PROJECT_ROOT, sharedData } from '../../helpers/shared-data.js';
import { listServer, plain } from '../../helpers/list-server.js';

const AWS = dataPath('aws', 'ip-ranges.json');
const FAST: UpdateOptions['download'] = { timeoutMs: 5000, retry: { attempts: 1, baseMs: 1, maxMs: 1 } };
const newer = (n: number) => Buffer.from(readFileSync(AWS, 'utf8').replace('"syncToken": "1787411825"', `"syncToken": "${1787411825 + n}"`));

t.test('a crash between writing and renaming leaves the previous file active; a later run succeeds', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-crash-'));
  const server = await listServer();
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const list = { name: 'l', format: 'aws-ip-ranges' as const, path: 'ip-ranges.json', url: `${server.origin}/list` };
  server.route('/list', plain(readFileSync(AWS)));
  t.match(await updateList(list, { baseDir: dir, download: FAST }), { state: 'updated' });
  const before = readFileSync(join(dir, 'ip-ranges.json'));

  server.route('/list', plain(newer(1)));
  // Run asynchronously in a child: the server lives in this process.
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'test/lists/sources/crash-child.ts'), dir, list.url], { cwd: PROJECT_ROOT });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const signal = await new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
  t.equal(signal, 'SIGKILL', `the child died before the rename (${out.trim()})`);
  t.same(readFileSync(join(dir, 'ip-ranges.json')), before, 'the previous file is intact');
  t.ok(
    readdirSync(dir).some((n) => n.endsWith('.tmp')),
    'the crash left its temporary file',
  );

  const r = await updateList(list, { baseDir: dir, download: FAST });
  t.match(r, { state: 'updated', version: '1787411826', previousVersion: '1787411825' }, 'the stale lock and temp file do not stop the next run');
  t.same(readFileSync(join(dir, 'ip-ranges.json')), newer(1));
  t.same(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'the stale temporary file is gone',
  );
});

t.test(
  'rollback restores the previous version, says which, and the next update refuses the rolled-back content',
  sharedData('aws', 'ip-ranges.json'),
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ipdest-rollback-'));
    const server = await listServer();
    t.teardown(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const list = { name: 'l', format: 'aws-ip-ranges' as const, path: 'ip-ranges.json', url: `${server.origin}/list` };
    const opts = { baseDir: dir, download: FAST, keep: 3 };
    const rb = { baseDir: dir };
    await t.rejects(rollbackList(list, rb), RollbackError, 'nothing to roll back to yet');
    for (let n = 0; n < 4; n++) {
      server.route('/list', plain(newer(n)));
      t.match(await updateList(list, opts), { state: 'updated', version: String(1787411825 + n) });
    }
    const state = await readSourceState(list, dir);
    t.equal(state?.history.length, 3, 'three versions kept');
    t.equal(readdirSync(join(dir, '.ipdest-history', 'l')).filter((n) => n.endsWith('.json') && n !== 'state.json').length, 3, 'three copies on disk');

    const back = await rollbackList(list, rb);
    t.match(back, { version: '1787411827', previousVersion: '1787411828', file: join(dir, 'ip-ranges.json') });
    t.same(readFileSync(join(dir, 'ip-ranges.json')), newer(2), 'the previous version is active');
    t.match(await updateList(list, opts), { state: 'rejected', reason: /rolled back from/, version: '1787411827' });
    t.match(await updateList(list, { ...opts, force: true }), { state: 'updated', version: '1787411828' }, '--force takes it');
    t.match(await rollbackList(list, rb), { version: '1787411827' });
    t.match(await rollbackList(list, rb), { version: '1787411826' }, 'again: one further back');
  },
);

t.test('rollback under a glob path puts the older dated file back and removes the newer', sharedData('azure'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-rollback-glob-'));
  mkdirSync(join(dir, 'lists'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const list = { name: 'azure', format: 'azure-service-tags' as const, path: 'lists/ServiceTags_Public_*.json' };
  const opts = { baseDir: dir };
  t.match(await updateList({ ...list, url: `file://${dataPath('azure', 'ServiceTags_Public_20251013.json')}` }, opts), { state: 'updated', version: '373' });
  t.match(await updateList({ ...list, url: `file://${dataPath('azure', 'ServiceTags_Public_20251028.json')}` }, opts), { state: 'updated', version: '375' });
  t.match(await rollbackList(list, opts), { version: '373', previousVersion: '375', file: join(dir, 'lists', 'ServiceTags_Public_20251013.json') });
  t.same(
    readdirSync(join(dir, 'lists')).filter((n) => !n.startsWith('.')),
    ['ServiceTags_Public_20251013.json'],
  );
});
