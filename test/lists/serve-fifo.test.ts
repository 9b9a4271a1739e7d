// `ipdest serve` with a named pipe in a list's place: it starts, says the list failed, reloads, and stops on SIGTERM.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveChild } from '../helpers/serve-child.js';

t.test('serve over a named pipe: ready (degraded), SIGHUP reloads, SIGTERM exits 0', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-fifo-'));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(cfg, 'lists:\n  - { name: pipe, tag: Pipe, format: text, path: pipe.txt }\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n');
  const { child, port, log, waitFor, exited } = await serveChild(t, cfg);
  await waitFor(/"reason":"start"/);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  t.equal(ready.status, 200);
  t.match(await ready.json(), { status: 'degraded', failed: ['pipe'] });
  t.match(log(), /pipe\.txt is a named pipe \(FIFO\), not a regular file/, 'the log names the file and what it is');
  t.match(await (await fetch(`http://127.0.0.1:${port}/lookup/198.51.100.7`)).json(), { IPDestination: 'Mine' });

  child.kill('SIGHUP');
  await waitFor(/"reason":"SIGHUP"/);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const end = await Promise.race([
    exited,
    new Promise<'hung'>((r) => {
      timer = setTimeout(() => r('hung'), 15_000);
    }),
  ]);
  clearTimeout(timer);
  t.same(end, { code: 0, signal: null }, 'exit 0 after SIGTERM');
});
