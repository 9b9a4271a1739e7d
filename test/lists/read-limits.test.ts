// Loading never hangs: non-regular files refused unopened, reads and parses bounded in time and size.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadList, loadLists, parseListOffThread, readListFile, stopParseThread, type ListReader, type ListSource } from '../../src/lists/index.js';
import * as parseThread from '../../src/lists/parse-thread.js';

t.teardown(stopParseThread);

const folder = () => mkdtempSync(join(tmpdir(), 'ipdest-limits-'));
const mine: ListSource = { name: 'mine', tag: 'Mine', format: 'text', path: 'mine.txt' };

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

t.test("a named pipe in a list's place fails at once, naming the file and what it is; the last good version stays", { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const good = await loadList(mine, dir);
  t.equal(good.state, 'loaded');
  execFileSync('rm', [join(dir, 'mine.txt')]);
  execFileSync('mkfifo', [join(dir, 'mine.txt')]);
  for (const offThread of [false, true]) {
    const { value: l, ms } = await timed(loadList(mine, dir, good, { offThread }));
    t.ok(ms < 2000, `answered in ${Math.round(ms)} ms, not blocked on the pipe`);
    t.match(l, { state: 'failed', version: good.version, prefixes: { v4: 1 }, error: { file: join(dir, 'mine.txt') } });
    t.match(l.error!.message, /mine\.txt is a named pipe \(FIFO\), not a regular file: refused without opening it/);
    t.equal(l.entries, good.entries, 'the last good entries stay');
  }
});

t.test("a directory or a device in a list's place is refused too", { timeout: 20_000 }, async (t) => {
  const dir = folder();
  mkdirSync(join(dir, 'mine.txt'));
  t.match((await loadList(mine, dir)).error, { message: /mine\.txt is a directory, not a regular file/ });
  t.match((await loadList({ ...mine, path: '/dev/zero' }, dir)).error, { message: /\/dev\/zero is a character device, not a regular file/ });
  await t.rejects(readListFile(join(dir, 'mine.txt')), { name: 'ListReadError', message: /is a directory/ });
});

t.test('a file over the size limit fails with its size and the limit', { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n203.0.113.0/24\n');
  const l = await loadList(mine, dir, undefined, { maxBytes: 16 });
  t.match(l, { state: 'failed', prefixes: { v4: 0, v6: 0 } });
  t.match(l.error!.message, /mine\.txt is 31 bytes, over the limit of 16 bytes for a list file/);
  t.equal((await loadList(mine, dir, undefined, { maxBytes: 31 })).state, 'loaded', 'a file at the limit loads');
});

t.test('a file that says it is small but reads on past the limit is cut off', { skip: existsSync('/proc/self/status') ? false : 'needs /proc' }, async (t) => {
  // /proc files are regular files of size 0 that read as text.
  await t.rejects(readListFile('/proc/self/status', { maxBytes: 10 }), {
    name: 'ListReadError',
    message: '/proc/self/status grew past the limit of 10 bytes for a list file while being read',
  });
});

t.test('a read that never returns times out; the last good version stays', { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const good = await loadList(mine, dir);
  const hanging: ListReader = () => new Promise<string>(() => {});
  const { value: l, ms } = await timed(loadList(mine, dir, good, { reader: hanging, readTimeoutMs: 150 }));
  t.ok(ms >= 140 && ms < 2000, `gave up after ${Math.round(ms)} ms`);
  t.match(l, { state: 'failed', version: good.version, prefixes: { v4: 1 } });
  t.match(l.error!.message, /reading .*mine\.txt took longer than 150 ms: gave up/);
});

t.test('a reader is told to stop (its signal aborts) when the load gives up on it', { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  let stopped = false;
  const slow: ListReader = (_file, opts) =>
    new Promise<string>((_resolve, reject) => {
      opts.signal?.addEventListener('abort', () => {
        stopped = true;
        reject(new Error('stopped'));
      });
    });
  const set = await loadLists([mine], { baseDir: dir, reader: slow, readTimeoutMs: 60_000, loadTimeoutMs: 200 });
  t.match(set.lists[0], {
    name: 'mine',
    state: 'failed',
    error: { message: /loading list "mine" \(mine\.txt\) did not finish within the limit of 200 ms for loading the lists/ },
  });
  t.ok(stopped, 'the reader got the abort');
  t.equal(set.ok, false, 'the set says a list failed');
});

t.test('the whole load has a limit: lists after one that overran are not read, and say so', { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'a.txt'), '198.51.100.0/24\n');
  writeFileSync(join(dir, 'b.txt'), '203.0.113.0/24\n');
  const sources: ListSource[] = [
    { ...mine, name: 'a', path: 'a.txt' },
    { ...mine, name: 'b', path: 'b.txt' },
  ];
  const reader: ListReader = (file) => (file.endsWith('a.txt') ? new Promise<string>(() => {}) : Promise.resolve('203.0.113.0/24\n'));
  const { value: set, ms } = await timed(loadLists(sources, { baseDir: dir, reader, loadTimeoutMs: 200 }));
  t.ok(ms < 2000, `done in ${Math.round(ms)} ms`);
  t.match(set.lists[0], { name: 'a', state: 'failed', error: { message: /did not finish within the limit of 200 ms/ } });
  t.match(set.lists[1], { name: 'b', state: 'failed', error: { message: /not read: loading the lists ran past its limit of 200 ms before list "b"/ } });
  t.match(set.classifier.lookup('10.1.2.3'), { set: { tag: 'Private' } }, 'the built-ins still answer');
});

t.test('a parse on the worker that does not answer in time fails; the worker is replaced and the next parse works', { timeout: 20_000 }, async (t) => {
  // 200,000 lines take the worker far longer than 1 ms.
  const big = Array.from({ length: 200_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`).join('\n') + '\n';
  await t.rejects(parseListOffThread('text', big, 'big.txt', undefined, { timeoutMs: 1 }), {
    code: 'LIST_FAILED',
    message: /parsing big\.txt on the parse thread gave no answer within 1 ms: gave up on it and restarted the thread/,
  });
  const started = parseThread.workersStarted;
  const p = await parseListOffThread('text', '198.51.100.0/24\n', 'small.txt');
  t.equal(p.entries.length, 1);
  t.equal(parseThread.lastParseOn, 'worker', 'parsed on a worker, not on this thread');
  t.equal(parseThread.workersStarted, started + 1, 'on a new worker');
});

t.test('loadList: a parse that times out on the worker is a failed load', { timeout: 20_000 }, async (t) => {
  const dir = folder();
  writeFileSync(join(dir, 'mine.txt'), Array.from({ length: 100_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`).join('\n'));
  const l = await loadList(mine, dir, undefined, { offThread: true, parseTimeoutMs: 1 });
  t.match(l, { state: 'failed', error: { message: /gave no answer within 1 ms/ } });
  t.equal((await loadList(mine, dir, undefined, { offThread: true })).state, 'loaded', 'the next load parses on a fresh worker');
});
