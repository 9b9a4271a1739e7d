// `ipdest serve` as a process: listens, turns ready, reloads on SIGHUP, stops cleanly on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

t.test('serve: ready, SIGHUP reload, SIGTERM exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-serve-'));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(cfg, 'lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n');
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(PROJECT_ROOT, 'src', 'cli.ts'), 'serve', '-c', cfg, '--host', '127.0.0.1', '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c) => {
    log += c;
  });
  child.stderr.on('data', (c) => {
    log += c;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const waitFor = async (re: RegExp, ms = 20000): Promise<RegExpExecArray> => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(log);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; log:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const port = Number((await waitFor(/listening at http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  await waitFor(/"reason":"start"/);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  t.equal(ready.status, 200);
  const before = (await (await fetch(`http://127.0.0.1:${port}/lookup/203.0.113.5`)).json()) as { IPDestination: string | null };
  t.equal(before.IPDestination, null);

  writeFileSync(join(dir, 'mine.txt'), '203.0.113.0/24\n');
  child.kill('SIGHUP');
  await waitFor(/"reason":"(SIGHUP|file change)"/);
  const deadline = Date.now() + 5000;
  let after: any;
  do {
    after = await (await fetch(`http://127.0.0.1:${port}/lookup/203.0.113.5`)).json();
  } while (after.IPDestination !== 'Mine' && Date.now() < deadline);
  t.equal(after.IPDestination, 'Mine', 'the reloaded list answers');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit 0 after SIGTERM');
  t.match(log, /shutting down/);
  t.notMatch(log, /"level":50/, 'no error was logged');
});

t.test('serve: a port in use is a clear error and exit 1', async (t) => {
  const { createServer } = await import('node:net');
  const { runCli } = await import('../helpers/cli.js');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-serve-'));
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(cfg, 'lists: []\n');
  const prev = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'silent';
  t.teardown(() => {
    if (prev === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = prev;
  });
  const r = await runCli(['serve', '-c', cfg, '--host', '127.0.0.1', '--port', String(port)]);
  t.equal(r.code, 1);
  t.match(r.err, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  t.match(r.err, /hint: another process holds the port/);
});
