// Refresh while serving: a list fetched at start, a new version swapped in under load with no failed request, a failure never stopping the schedule.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { buildApp } from '../../src/http/index.js';
import { RefreshSchedule, ServiceState } from '../../src/service/index.js';
import { listen } from '../helpers/app.js';
import { listServer } from '../helpers/list-server.js';
import { serveChild } from '../helpers/serve-child.js';

const V1 = '# v1\n198.51.100.0/24\n';
const V2 = '# v2\n198.51.100.0/24\n203.0.113.0/24\n';

async function setup(t: Test, body: { text: string; status: number }) {
  const upstream = await listServer();
  t.teardown(() => upstream.close());
  upstream.route('/mine.txt', (_req, res) => {
    res.writeHead(body.status, { 'content-type': 'text/plain' }).end(body.text);
  });
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-refresh-'));
  const yaml = `lists:\n  - { name: mine, tag: Mine, format: text, path: lists/mine.txt, url: '${upstream.origin}/mine.txt', refresh: 1h, allowEmpty: false }\n`;
  const config = parseConfigText(yaml, join(dir, 'ipdest.yaml'));
  const logger = pino({ level: 'silent' });
  const state = new ServiceState(config, dir, logger);
  const app = await buildApp({ state, logger });
  t.teardown(() => app.close());
  await state.reload('start');
  // No retries and a fixed jitter: the test decides when refreshes run.
  const refresh = new RefreshSchedule(state, logger, { update: { download: { retry: { attempts: 1, baseMs: 1, maxMs: 1 } } }, random: () => 0.5 });
  t.teardown(() => refresh.stop());
  const base = `http://127.0.0.1:${await listen(app)}`;
  return { upstream, state, refresh, base };
}

const tagOf = async (base: string, ip: string) => ((await (await fetch(`${base}/lookup/${ip}`)).json()) as { IPDestination: string | null }).IPDestination;

t.test('a list with no file yet is fetched at start; a new version is swapped in under load, 0 requests failing', async (t) => {
  const body = { text: V1, status: 200 };
  const { state, refresh, base } = await setup(t, body);
  t.equal(await tagOf(base, '198.51.100.7'), null, 'before: no file, no tag');
  await refresh.start();
  // start() fetched it at once; wait for that run (refreshNow joins a run in flight).
  const first = await refresh.refreshNow('mine');
  t.match(first.state, /updated|unchanged/);
  t.equal(await tagOf(base, '198.51.100.7'), 'Mine', 'the fetched file is in service');
  t.equal(state.lists.lists.find((l) => l.name === 'mine')!.source, 'download', '/lists says it was downloaded');

  // Load while the new version arrives.
  let failed = 0;
  let answered = 0;
  let stop = false;
  const load = (async () => {
    while (!stop) {
      const rs = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${base}/lookup/203.0.113.9`).then(
            (r) => r.status,
            () => 0,
          ),
        ),
      );
      for (const s of rs)
        if (s === 200) answered++;
        else failed++;
    }
  })();
  body.text = V2;
  const second = await refresh.refreshNow('mine');
  t.equal(second.state, 'updated');
  t.equal(await tagOf(base, '203.0.113.9'), 'Mine', 'the new version answers after the swap');
  stop = true;
  await load;
  t.equal(failed, 0, `${answered} requests during the refresh, none failed`);

  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /ipdest_list_updates_total\{list="mine",state="updated"\} [1-9]/);
  t.match(metrics, /ipdest_list_fetch_age_seconds\{list="mine"\} \d/);
});

t.test('a failed or refused refresh keeps the version in service, and the next one still runs', async (t) => {
  const body = { text: V1, status: 200 };
  const { refresh, base } = await setup(t, body);
  t.equal((await refresh.refreshNow('mine')).state, 'updated');
  body.status = 503;
  body.text = 'down';
  t.equal((await refresh.refreshNow('mine')).state, 'failed', 'a 503 fails');
  body.status = 200;
  body.text = '<!DOCTYPE html><html><body>Just a moment…</body></html>';
  t.equal((await refresh.refreshNow('mine')).state, 'rejected', 'a challenge page is refused');
  t.equal(await tagOf(base, '198.51.100.7'), 'Mine', 'the good version still answers');
  body.text = V2;
  t.equal((await refresh.refreshNow('mine')).state, 'updated', 'a later refresh works');
  t.equal(await tagOf(base, '203.0.113.9'), 'Mine');
  t.same(
    refresh.lists.map((l) => l.name),
    ['mine'],
  );
});

t.test('ipdest serve runs the schedule: a list with refresh and no file is fetched at start and answers', async (t) => {
  const upstream = await listServer();
  t.teardown(() => upstream.close());
  upstream.route('/mine.txt', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(V2));
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-refresh-serve-'));
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(
    cfg,
    `server: { port: 0 }\nlists:\n  - { name: mine, tag: Mine, format: text, path: lists/mine.txt, url: '${upstream.origin}/mine.txt', refresh: 24h }\n`,
  );
  const server = await serveChild(t, cfg);
  await server.waitFor(/list mine: no file yet, fetching it/);
  await server.waitFor(/list mine: updated/);
  // The reload after the update swaps the table in.
  for (let i = 0; i < 50 && (await tagOf(`http://127.0.0.1:${server.port}`, '203.0.113.9')) !== 'Mine'; i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(await tagOf(`http://127.0.0.1:${server.port}`, '203.0.113.9'), 'Mine');
  t.ok(
    upstream.seen.some((s) => s.url === '/mine.txt'),
    'the server asked the source',
  );
});
