// `ipdest serve --workers 2`: both workers answer, /metrics sums them, reloads fan out under load, a killed worker is replaced, SIGTERM drains and exits 0.
import t, { type Test } from 'tap';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { serveChild, type ServeChild } from '../helpers/serve-child.js';
import { isWholeBatch, readSlowly } from '../helpers/slow-reader.js';

const TOKEN = 'workers-test-token-0123456789';

function config(extra = ''): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-workers-'));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(
    cfg,
    `server: { adminToken: ${TOKEN}, batchLimit: 100000, bodyLimit: 8388608${extra} }\nlists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n`,
  );
  return { dir, cfg };
}

/** A port free now: listened on at port 0, then closed (the cluster's workers share the one given). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function start(t: Test, cfg: string): Promise<ServeChild> {
  const s = await serveChild(t, cfg, { port: await freePort(), args: ['--workers', '2'] });
  // Both workers loaded (the primary says so for each).
  for (const n of [1, 2]) await s.waitFor(new RegExp(`"msg":"worker ${n} loaded its lists`));
  return s;
}

interface Reply {
  status: number;
  body: string;
}

function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; agent?: http.Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function metric(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** `clients` loops of GET /lookup/<ip>, each a new connection, until stop(): the answers counted. */
function load(port: number, clients: number) {
  let stopped = false;
  const counts = { ok: 0, failed: 0, errors: [] as string[] };
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      try {
        const r = await request(port, '/lookup/198.51.100.7');
        if (r.status === 200 && r.body.includes('"Mine"')) counts.ok++;
        else {
          counts.failed++;
          counts.errors.push(`status ${r.status}`);
        }
      } catch (err) {
        counts.failed++;
        counts.errors.push((err as NodeJS.ErrnoException).code ?? String(err));
      }
    }
  });
  return {
    counts,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return counts;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForWorkers(port: number, n: number, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = (await request(port, '/metrics')).body;
    if (metric(text, /^ipdest_workers (\d+)$/m) === n) return text;
    if (Date.now() > end) throw new Error(`ipdest_workers never ${n}:\n${text}`);
    await sleep(100);
  }
}

t.test('--workers 2: lookups answered by both workers, /metrics summed over them', async (t) => {
  const { cfg } = config(', logRequests: true');
  const s = await start(t, cfg);
  const N = 60;
  for (let i = 0; i < N; i++) {
    const r = await request(s.port, '/lookup/198.51.100.7');
    t.equal(r.status, 200, r.status === 200 ? 'answered' : r.body);
  }
  const text = (await request(s.port, '/metrics')).body;
  t.equal(metric(text, /^ipdest_workers (\d+)$/m), 2, 'ipdest_workers 2');
  t.equal(
    metric(text, /^ipdest_http_requests_total\{route="\/lookup\/:ip",method="GET",status="200"\} (\d+)$/m),
    N,
    'the request count is the sum over the workers',
  );
  t.equal(text.match(/^# TYPE ipdest_http_requests_total /gm)?.length, 1, 'each family once');
  // Each request is logged (logRequests) by the worker that answered it.
  const served = [...s.lines()].filter((l) => l.msg === 'request completed').map((l) => l.worker as number);
  t.same([...new Set(served)].sort(), [1, 2], 'both workers answered');
  t.equal(served.length >= N, true);
  const pids = new Set(
    s
      .lines()
      .filter((l) => l.worker !== 0 && typeof l.worker === 'number')
      .map((l) => l.pid),
  );
  t.equal(pids.size, 2, 'two worker processes');
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null });
});

t.test('100 reloads (SIGHUP and POST /admin/reload mixed) under load: no request fails', async (t) => {
  const { dir, cfg } = config();
  const s = await start(t, cfg);
  const l = load(s.port, 4);
  let adminOk = 0;
  for (let i = 0; i < 100; i++) {
    // Every tenth, the list changes on disk too: the reload then parses it again. Replaced whole,
    // as a list should be: a write in place can be seen half done (empty), and an error logged.
    if (i % 10 === 0) {
      writeFileSync(join(dir, 'mine.txt.new'), `198.51.100.0/24\n203.0.113.${i}/32\n`);
      renameSync(join(dir, 'mine.txt.new'), join(dir, 'mine.txt'));
    }
    if (i % 2 === 0) s.child.kill('SIGHUP');
    else {
      const r = await request(s.port, '/admin/reload', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      if (r.status === 200) adminOk++;
    }
    await sleep(15);
  }
  await sleep(300);
  const counts = await l.stop();
  t.equal(adminOk, 50, 'every POST /admin/reload answered 200');
  t.equal(counts.failed, 0, `no failed request (${counts.errors.slice(0, 5).join(', ')})`);
  t.ok(counts.ok > 100, `${counts.ok} answered meanwhile`);
  t.match(s.log(), /"reason":"SIGHUP"/);
  t.match(s.log(), /"worker":2,"reason":"POST \/admin\/reload"|"worker":1,"reason":"POST \/admin\/reload"/);
  const text = (await request(s.port, '/metrics')).body;
  t.ok(metric(text, /^ipdest_reloads_total\{result="ok"\} (\d+)$/m) >= 100, 'reloads counted in both workers');
  t.notMatch(s.log(), /"level":50/, 'no error logged');
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null });
});

t.test('a worker killed (-9) under load is replaced; only requests in flight fail', async (t) => {
  const { cfg } = config();
  const s = await start(t, cfg);
  const forked = s.lines().filter((x) => x.msg === 'worker 1 forked');
  const pid = forked[0]!.workerPid as number;
  const CLIENTS = 4;
  const l = load(s.port, CLIENTS);
  await sleep(300);
  process.kill(pid, 'SIGKILL');
  await s.waitFor(/"msg":"worker 1 ended unexpectedly: starting another"/);
  await s.waitFor(/"msg":"worker 3 loaded its lists/);
  await waitForWorkers(s.port, 2);
  await sleep(300);
  const counts = await l.stop();
  t.ok(counts.failed <= CLIENTS, `failed requests (${counts.failed}: ${counts.errors.join(', ')}) at most the ${CLIENTS} in flight`);
  t.ok(counts.ok > 50, `${counts.ok} answered`);
  t.equal(metric(await waitForWorkers(s.port, 2), /^ipdest_workers (\d+)$/m), 2, 'back to 2 workers');
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null });
});

t.test('SIGTERM to the primary: answers in flight arrive whole, then exit 0', async (t) => {
  const { cfg } = config();
  const s = await start(t, cfg);
  const ips = Array.from({ length: 40_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const body = JSON.stringify({ ips });
  let signalled = false;
  const post = () =>
    new Promise<{ status: number; whole: boolean }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: s.port, method: 'POST', path: '/lookup/batch', headers: { 'content-type': 'application/json' }, agent: false },
        (res) => {
          if (!signalled) {
            signalled = true;
            s.child.kill('SIGTERM');
          }
          readSlowly(res, 1).then(({ text }) => resolve({ status: res.statusCode!, whole: isWholeBatch(text, ips.length) }), reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const answers = await Promise.all([post(), post(), post()]);
  for (const a of answers) {
    t.equal(a.status, 200);
    t.ok(a.whole, 'the answer arrived whole');
  }
  t.same(await s.exited, { code: 0, signal: null }, 'exit 0');
  t.match(s.log(), /"worker":0,"msg":"stopped"/);
  t.notMatch(s.log(), /"level":50/, 'no error logged');
});

t.test('--workers refuses what is not a count', async (t) => {
  const { cfg } = config();
  const r = await runCli(['serve', '-c', cfg, '--workers', 'lots']);
  t.equal(r.code, 2);
  t.match(r.err, /--workers must be a number from 1 to 256, or auto/);
});

t.test('the port taken: the workers cannot listen, the primary stops with exit 1 instead of forking again', async (t) => {
  const { cfg } = config();
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => holder.close());
  const port = (holder.address() as net.AddressInfo).port;
  const { spawn } = await import('node:child_process');
  const { resolve } = await import('node:path');
  const { PROJECT_ROOT } = await import('../helpers/shared-data.js');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(PROJECT_ROOT, 'src', 'cli.ts'), 'serve', '-c', cfg, '--host', '127.0.0.1', '--port', String(port), '--workers', '2'],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (c) => (log += c));
  child.stderr.on('data', (c) => (log += c));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 1, 'exit 1');
  t.match(log, /ended before any worker listened: stopping/);
  t.notMatch(log, /"msg":"worker 3 forked"/, 'no worker forked again');
});

t.test('only the primary downloads: a refresh list fetched once, then every worker serves it', async (t) => {
  const { listServer } = await import('../helpers/list-server.js');
  const upstream = await listServer();
  t.teardown(() => upstream.close());
  upstream.route('/mine.txt', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('198.51.100.0/24\n');
  });
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-workers-'));
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(cfg, `lists:\n  - { name: mine, tag: Mine, format: text, path: lists/mine.txt, url: '${upstream.origin}/mine.txt', refresh: 1h }\n`);
  const s = await start(t, cfg);
  await s.waitFor(/"msg":"list mine: updated to [^"]*; reloading"/);
  // Both workers reload (the primary waits for each), then answer from the download.
  const end = Date.now() + 10_000;
  let text: string;
  for (;;) {
    text = (await request(s.port, '/metrics')).body;
    if (
      metric(text, /^ipdest_list_prefixes\{list="mine",family="ipv4"\} (\d+)$/m) === 1 &&
      s.lines().filter((l) => l.reason === 'refresh mine' && l.msg === 'lists loaded').length === 2
    )
      break;
    if (Date.now() > end) throw new Error(`the workers did not reload:\n${s.log()}`);
    await sleep(100);
  }
  for (let i = 0; i < 10; i++) t.match((await request(s.port, '/lookup/198.51.100.7')).body, /"IPDestination":"Mine"/);
  t.equal(upstream.seen.filter((x) => x.url === '/mine.txt').length, 1, 'downloaded once, by the primary');
  t.equal(metric(text, /^ipdest_list_updates_total\{list="mine",state="updated"\} (\d+)$/m), 1, "the primary's update count");
  t.equal(
    new Set(
      s
        .lines()
        .filter((l) => /fetching it from its source now/.test(l.msg))
        .map((l) => l.worker),
    ).size,
    1,
  );
  t.equal(s.lines().find((l) => /fetching it from its source now/.test(l.msg))?.worker, 0, 'the primary fetched');
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null });
});
