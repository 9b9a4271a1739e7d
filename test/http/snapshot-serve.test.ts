// A fresh machine: the shipped config and no list files; the real server answers from the snapshot and says so in /lists and /readyz.
import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSnapshot, SNAPSHOT_FILE } from '../../src/lists/index.js';
import { serveChild } from '../helpers/serve-child.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

async function get(port: number, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.json() };
}

t.test('serve with no list files: 13.107.4.50 is Microsoft, /lists says snapshot and its date', async (t) => {
  // The shipped config in a fresh folder: its ../cidr-lists/ paths match nothing there.
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-fresh-'));
  mkdirSync(join(dir, 'config'));
  const cfg = join(dir, 'config', 'ipdest.yaml');
  writeFileSync(cfg, readFileSync(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml')));
  const server = await serveChild(t, cfg);
  await server.waitFor(/lists loaded/);

  const answer = await get(server.port, '/lookup/13.107.4.50');
  t.equal(answer.status, 200);
  t.match(answer.body, { IPDestination: 'Microsoft', label: 'Microsoft', matches: [{ list: 'azure', prefix: '13.107.4.0/22' }] });

  const snap = await readSnapshot();
  const lists = await get(server.port, '/lists');
  t.equal(lists.status, 200);
  for (const name of ['azure', 'microsoft', 'aws', 'google-cloud', 'google']) {
    const l = lists.body.lists.find((x: any) => x.name === name);
    const want = snap.list(name, l.format)!;
    t.match(
      l,
      {
        state: 'loaded',
        source: 'snapshot',
        file: SNAPSHOT_FILE,
        published: want.published,
        fetchedAt: null,
        activatedAt: null,
        rejected: null,
        stale: Boolean,
      },
      name,
    );
    t.match(l.warnings[0], /serving ipdest's snapshot of .*`ipdest lists update`/, `${name}: the warning says so`);
  }
  // m365 has no snapshot (no published copy to derive one from): missing until its first download.
  t.same(lists.body.missing, ['m365'], 'a list the snapshot serves is not missing');

  // Stale exactly for the lists /lists calls stale; degraded (still 200) when any is.
  const stale = lists.body.lists.filter((l: any) => l.stale).map((l: any) => l.name);
  const ready = await get(server.port, '/readyz');
  t.equal(ready.status, 200);
  t.same(ready.body.stale, stale);
  t.equal(ready.body.status, stale.length > 0 ? 'degraded' : 'ready');
  t.match(server.log(), /serving ipdest's snapshot/, 'the log says the snapshot serves');
});
