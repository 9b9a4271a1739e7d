// ServiceState: unchanged files keep the tables; changed ones rebuild them; a stuck or failing reload never wedges the next.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { buildApp } from '../../src/http/index.js';
import { ServiceState, type ServiceStateOptions } from '../../src/service/index.js';
import { readListFile, stopParseThread, type ListReader } from '../../src/lists/index.js';
import { testApp } from '../helpers/app.js';

t.teardown(stopParseThread);

t.test('a same-size copy with its mtime kept (cp -p, a restore) is read again', async (t) => {
  const { app, state, dir } = await testApp();
  t.teardown(() => app.close());
  const file = join(dir, 'mine.txt');
  const before = statSync(file);
  t.match(state.enricher.lookup('198.51.100.7'), { IPDestination: 'Mine' });
  // Same length, other prefix, the old timestamps put back.
  writeFileSync(file, '198.51.101.0/24\n');
  t.equal(statSync(file).size, before.size, 'the same size');
  utimesSync(file, before.atime, before.mtime);
  const outcome = await state.reload('POST /admin/reload');
  t.same(outcome.reread, ['mine'], 'read again');
  t.match(state.enricher.lookup('198.51.101.7'), { IPDestination: 'Mine' }, 'the new content serves');
  t.match(state.enricher.lookup('198.51.100.7'), { IPDestination: null });
});

t.test('unchanged files: same tables; a touched file: new tables, only that list read again', async (t) => {
  const { app, state, dir } = await testApp();
  t.teardown(() => app.close());
  const first = state.lists;
  const same = await state.reload('test');
  t.equal(state.lists, first, 'nothing changed: the same list set stays in service');
  t.same(same.reread, []);
  writeFileSync(join(dir, 'mine.txt'), '192.0.2.0/24\n');
  utimesSync(join(dir, 'mine.txt'), new Date(), new Date(Date.now() + 5000));
  const changed = await state.reload('test');
  t.not(state.lists, first, 'a changed file: a new list set');
  t.same(changed.reread, ['mine']);
  t.equal(state.lists.lists[0], first.lists[0], 'the unchanged Azure list is reused as it was');
  t.equal(state.enricher.lookup('192.0.2.1').action, 'keep');
  t.match(state.enricher.lookup('192.0.2.1'), { IPDestination: 'Mine' });
});

/** A ServiceState (and app) over one text list `mine.txt`, with the given limits and reader. */
async function stateWith(opts: ServiceStateOptions, logs: Array<Record<string, any>> = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-state-'));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const config = parseConfigText('lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n', join(dir, 'ipdest.yaml'));
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line));
      },
    },
  );
  const state = new ServiceState(config, dir, logger, opts);
  const app = await buildApp({ state, logger });
  return { app, state, dir };
}

const tagOf = (state: ServiceState, ip: string) => (state.enricher.lookup(ip) as { IPDestination?: string | null }).IPDestination;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

t.test("a named pipe in a list's place: the reload fails at once and says so; the next reload works", { timeout: 20_000 }, async (t) => {
  const { app, state, dir } = await testApp();
  t.teardown(() => app.close());
  rmSync(join(dir, 'mine.txt'));
  execFileSync('mkfifo', [join(dir, 'mine.txt')]);
  const { value: stuck, ms } = await timed(state.reload('test'));
  t.ok(ms < 3000, `answered in ${Math.round(ms)} ms`);
  t.equal(stuck.ok, false);
  t.match(
    stuck.set.lists.find((l) => l.name === 'mine'),
    { state: 'failed', version: /^sha256:/, error: { message: /mine\.txt is a named pipe \(FIFO\), not a regular file/ } },
  );
  t.equal(tagOf(state, '198.51.100.7'), 'Mine', 'the last good version still answers');
  const lists = JSON.parse((await app.inject({ method: 'GET', url: '/lists' })).body);
  t.match(lists, { status: 'degraded', failed: ['mine'] });

  rmSync(join(dir, 'mine.txt'));
  writeFileSync(join(dir, 'mine.txt'), '203.0.113.0/24\n');
  const next = await state.reload('test');
  t.equal(next.ok, true, 'the second reload is not held by the first');
  t.equal(tagOf(state, '203.0.113.5'), 'Mine');
});

t.test('a reload stuck on a read is reported failed at its time limit; the tables stay; later reloads run', { timeout: 20_000 }, async (t) => {
  let hang = false;
  const reader: ListReader = (file, opts) => (hang ? new Promise<string>(() => {}) : readListFile(file, opts));
  const logs: Array<Record<string, any>> = [];
  const { app, state, dir } = await stateWith({ reader, reloadTimeoutMs: 300, readTimeoutMs: 60_000 }, logs);
  t.teardown(() => app.close());
  t.equal((await state.reload('test')).ok, true);
  const first = state.lists;

  hang = true;
  writeFileSync(join(dir, 'mine.txt'), '203.0.113.0/24\n');
  utimesSync(join(dir, 'mine.txt'), new Date(), new Date(Date.now() + 5000));
  const stuck = state.reload('stuck');
  const folded = state.reload('meanwhile'); // asked while the stuck one runs: folded into one follow-up
  const { value: outcome, ms } = await timed(stuck);
  t.ok(ms >= 290 && ms < 3000, `reported after ${Math.round(ms)} ms`);
  t.equal(outcome.ok, false);
  t.match(outcome.set.lists[0], {
    name: 'mine',
    state: 'failed',
    version: first.lists[0]!.version,
    error: { message: /did not finish within the limit of 300 ms/ },
  });
  t.equal(tagOf(state, '198.51.100.7'), 'Mine', 'the tables in service stay');
  t.match(
    logs.find((l) => l.level === 50 && l.list === 'mine'),
    { msg: /last good version stays in service/ },
    'logged',
  );

  hang = false;
  const { value: after } = await timed(folded);
  t.equal(after.ok, true, 'the follow-up reload ran, and read the new file');
  t.equal(tagOf(state, '203.0.113.5'), 'Mine');
  t.equal((await state.reload('later')).ok, true);
});

t.test('close() ends a stuck reload at once: reported failed, the tables stay', { timeout: 20_000 }, async (t) => {
  let hang = false;
  const reader: ListReader = (file, opts) => (hang ? new Promise<string>(() => {}) : readListFile(file, opts));
  const { app, state, dir } = await stateWith({ reader });
  t.teardown(() => app.close());
  await state.reload('test');
  hang = true;
  utimesSync(join(dir, 'mine.txt'), new Date(), new Date(Date.now() + 5000));
  const stuck = state.reload('stuck');
  await new Promise((r) => setTimeout(r, 50));
  state.close();
  const { value: outcome, ms } = await timed(stuck);
  t.ok(ms < 1000, `settled ${Math.round(ms)} ms after close()`);
  t.match(outcome, { ok: false, error: /shutting down/ });
  t.equal(tagOf(state, '198.51.100.7'), 'Mine');
});

t.test('a stuck first load: lists reported failed, the built-ins answer, the next reload loads', { timeout: 20_000 }, async (t) => {
  let hang = true;
  const reader: ListReader = (file, opts) => (hang ? new Promise<string>(() => {}) : readListFile(file, opts));
  const { app, state } = await stateWith({ reader, reloadTimeoutMs: 200 });
  t.teardown(() => app.close());
  const outcome = await state.reload('start');
  t.equal(outcome.ok, false);
  t.match(JSON.parse((await app.inject({ method: 'GET', url: '/readyz' })).body), { status: 'degraded', failed: ['mine'] });
  t.equal(tagOf(state, '10.1.2.3'), 'Private');
  hang = false;
  t.equal((await state.reload('again')).ok, true);
  t.equal(tagOf(state, '198.51.100.7'), 'Mine');
});

t.test('a reload never rejects: a listener that throws is logged, the outcome still returned', async (t) => {
  const logs: Array<Record<string, any>> = [];
  const { app, state } = await stateWith({}, logs);
  t.teardown(() => app.close());
  state.onReload(() => {
    throw new Error('listener bug');
  });
  const outcome = await state.reload('test');
  t.equal(outcome.ok, true);
  t.match(
    logs.find((l) => l.level === 50),
    { msg: /a reload listener failed/, err: { message: 'listener bug' } },
  );
});
