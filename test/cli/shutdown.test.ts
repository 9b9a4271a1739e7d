// `ipdest serve` and SIGTERM: large answers in flight arrive whole, keep-alive clients are told, the process ends in time even with a reload stuck.
import t from 'tap';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveChild } from '../helpers/serve-child.js';
import { isWholeBatch, readSlowly } from '../helpers/slow-reader.js';

function config(): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-stop-'));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  const cfg = join(dir, 'ipdest.yaml');
  writeFileSync(cfg, 'server: { batchLimit: 100000, bodyLimit: 8388608 }\nlists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n');
  return { dir, cfg };
}

const CLIENTS = 2;

interface Answer {
  status: number;
  length: number;
  got: number;
  connection: string | undefined;
  json: boolean;
  afterSignal: boolean;
}

t.test('SIGTERM with large answers in flight: each arrives whole, then exit 0 in time', async (t) => {
  const { cfg } = config();
  const s = await serveChild(t, cfg);
  await s.waitFor(/"reason":"start"/);
  // 80,000 addresses: a 22 MB answer, more than the kernel's socket buffers hold, so most of it
  // is still queued in the server when the signal comes.
  const ips = Array.from({ length: 80_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const body = JSON.stringify({ ips });
  const agents = Array.from({ length: CLIENTS + 1 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  t.teardown(() => {
    for (const a of agents) a.destroy();
  });
  // An idle keep-alive connection, answered before the signal.
  const idle = agents[CLIENTS]!;
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: s.port, path: '/healthz', agent: idle }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
      .on('error', reject);
  });
  const idleSocket = Object.values(idle.freeSockets)[0]![0]!;
  let idleError: Error | null = null;
  idleSocket.on('error', (err) => {
    idleError = err;
  });
  const idleClosed = new Promise<void>((r) => idleSocket.once('close', () => r()));

  let signalled = false;
  let signalledAt = 0;
  let headersIn = 0;
  const post = (agent: http.Agent, round: number) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: s.port, method: 'POST', path: '/lookup/batch', headers: { 'content-type': 'application/json' }, agent },
        (res) => {
          const afterSignal = signalled;
          // The signal comes once every first answer has begun.
          if (round === 1 && ++headersIn === CLIENTS) {
            signalled = true;
            signalledAt = Date.now();
            s.child.kill('SIGTERM');
          }
          // Read slowly.
          readSlowly(res, 1).then(({ text, ...r }) => resolve({ ...r, json: isWholeBatch(text, ips.length), afterSignal }), reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // Two rounds per client: the second goes on the same keep-alive connection right after the
  // first answer, during the shutdown.
  const clients = agents.slice(0, CLIENTS).map(async (agent) => {
    const first = await post(agent, 1);
    const second = await post(agent, 2).catch((err: NodeJS.ErrnoException) => err.code ?? String(err));
    return { first, second };
  });
  const results = await Promise.all(clients);
  const exit = await s.exited;
  const tookMs = Date.now() - signalledAt;
  for (const { first, second } of results) {
    t.equal(first.status, 200);
    t.equal(first.got, first.length, `whole body: ${first.got} of ${first.length} bytes`);
    t.ok(first.json, 'it parses');
    if (first.afterSignal) t.equal(first.connection, 'close', 'an answer begun after the signal says Connection: close');
    // A second request after the signal finds the server closed (refused), or was sent before
    // and answered whole; never a cut body. After an answer that said Connection: close the
    // client opens a new connection and is refused. After one begun before the signal (it could
    // not say so) the client may reuse the connection just as the drained server closes it: the
    // request was never read, so nothing was answered in part (HTTP clients retry such requests).
    if (typeof second === 'string') {
      const expected = first.connection === 'close' ? ['ECONNREFUSED'] : ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'];
      t.ok(expected.includes(second), `the second request finds the port or the connection closed (${second})`);
    } else t.ok(second.status === 200 && second.got === second.length && second.json, 'the second answer is whole too');
  }
  await idleClosed;
  t.equal(idleError, null, 'the idle keep-alive connection was closed, not reset');
  t.same(exit, { code: 0, signal: null }, 'exit 0');
  t.ok(tookMs < 10_000, `ended within the shutdown limit (${tookMs} ms)`);
  t.match(s.log(), /"msg":"stopped"/);
  t.notMatch(s.log(), /"level":50/, 'no error logged');
});

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

t.test(
  "a FIFO in a list's place during serve: refused unopened, the server answers, SIGTERM ends it promptly",
  { skip: hasMkfifo ? false : 'no mkfifo here' },
  async (t) => {
    const { dir, cfg } = config();
    execFileSync('mkfifo', [join(dir, 'stuck')]);
    const s = await serveChild(t, cfg);
    await s.waitFor(/"reason":"start"/);
    // The list becomes a FIFO nobody writes: reading it would block until the end of time.
    renameSync(join(dir, 'stuck'), join(dir, 'mine.txt'));
    s.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    const health = await fetch(`http://127.0.0.1:${s.port}/healthz`);
    t.equal(health.status, 200, 'the server answers');
    const started = Date.now();
    s.child.kill('SIGTERM');
    const ended = await Promise.race([s.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 8000))]);
    t.not(ended, 'still running', 'the process ended');
    t.ok(Date.now() - started < 8000, `within ${Date.now() - started} ms`);
    t.match(s.log(), /"msg":"stopped"/, 'after a clean close of the server');
    t.match(s.log(), /named pipe \(FIFO\), not a regular file: refused without opening it/, 'the FIFO was refused, not read');
  },
);
