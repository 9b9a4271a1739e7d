// Hostile clients on the real server (127.0.0.1:0): stalled bodies, malformed requests, huge headers, connection floods, shutdown mid-answer.
import t, { type Test as Tap } from 'tap';
import { isWholeBatch, readSlowly } from '../helpers/slow-reader.js';
import http from 'node:http';
import net from 'node:net';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { buildApp, type AppOptions, type IpdestApp } from '../../src/http/index.js';
import { ServiceState } from '../../src/service/index.js';
import { openFilesLimit } from '../../src/http/connections.js';
import { bearerToken } from '../../src/http/routes/admin.js';
import { listen, testApp, TOKEN } from '../helpers/app.js';

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** The app on the embedded defaults, loaded, with `opts` and a logger whose lines the test reads. */
async function app(t: Tap, opts: Omit<AppOptions, 'state' | 'logger'> = {}, yaml = ''): Promise<{ app: IpdestApp; port: number; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (s: string) => {
        logs.push(JSON.parse(s));
      },
    },
  );
  const state = new ServiceState(parseConfigText(yaml, 'x.yaml'), '.', logger);
  const a = await buildApp({ state, logger, ...opts });
  await state.reload('test');
  t.teardown(() => a.close());
  return { app: a, port: await listen(a), logs };
}

interface Raw {
  text: string;
  closed: boolean;
  ms: number;
}

/** Writes `data` on a new connection and reads until the server closes it, or `waitMs` passes. */
function raw(port: number, data: string | Buffer, waitMs = 3000): Promise<Raw> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false, ms: Date.now() - started });
    }, waitMs);
    s.on('data', (c) => {
      text += c.toString('latin1');
    });
    s.on('error', () => {
      /* a reset after the answer: `closed` says enough */
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, ms: Date.now() - started });
    });
    s.write(data);
  });
}

/** The status, headers (lower-case) and body of a raw HTTP/1.1 answer. */
function parse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4) };
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

const waitUntil = async (what: string, ok: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const TIMEOUTS = { requestTimeout: 400, headersTimeout: 200 };

t.test('a body that stalls: 408 in the one error shape, and the connection is closed', async (t) => {
  const { port, app: a, logs } = await app(t, TIMEOUTS);
  // POST /lookup with a Content-Length is read by the fast path; /enrich by Fastify's parser.
  for (const path of ['/lookup', '/enrich']) {
    const r = await raw(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ip":"10.`);
    t.ok(r.closed, `${path}: closed by the server`);
    t.ok(r.ms >= 350 && r.ms < 2500, `${path}: after the request time limit (${r.ms} ms)`);
    const res = parse(r.text);
    t.equal(res.status, 408, path);
    t.equal(res.headers.connection, 'close');
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
    t.match(JSON.parse(res.body), { error: { code: 'REQUEST_TIMEOUT', message: /did not arrive in full within 0\.4 s \(server\.requestTimeout\)/ } });
  }
  // Chunked, never finished.
  const chunked = await raw(port, 'POST /enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ip"\r\n');
  t.equal(parse(chunked.text).status, 408, 'chunked');
  t.ok(chunked.closed);
  const metrics = (await get(port, '/metrics')).body;
  t.match(metrics, /ipdest_http_client_errors_total\{code="REQUEST_TIMEOUT"\} 3/);
  t.equal((await get(port, '/healthz')).status, 200, 'the server carries on');
  t.equal(a.metrics.connections.open, 0, 'no connection left open');
  t.same(
    logs.filter((l) => l.level >= 40),
    [],
    'a slow client is no warning, no error',
  );
});

t.test('headers that never end, and a connection that sends nothing: 408 after the headers limit', async (t) => {
  const { port } = await app(t, TIMEOUTS);
  const slow = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  t.ok(slow.closed);
  t.match(JSON.parse(parse(slow.text).body), {
    error: { code: 'REQUEST_TIMEOUT', message: /headers did not arrive within 0\.2 s \(server\.headersTimeout\)/ },
  });
  const silent = await raw(port, '');
  t.ok(silent.closed && silent.ms < 2500, `an idle new connection is closed (${silent.ms} ms)`);
});

t.test('what node:http refuses itself is answered in the one shape, with Connection: close', async (t) => {
  const { port, logs } = await app(t);
  const cases: Array<[string, string, number, string, RegExp]> = [
    ['a malformed request line', 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST', /^malformed HTTP request: /],
    ['a method that is not one', 'G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST', /^malformed HTTP request: /],
    ['a 20 kB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE', /larger than 16,384 bytes/],
    ['a bad Content-Length', 'POST /lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n', 400, 'BAD_REQUEST', /^malformed HTTP request: /],
  ];
  for (const [why, data, status, code, message] of cases) {
    const r = await raw(port, data);
    t.ok(r.closed, `${why}: closed`);
    const res = parse(r.text);
    t.equal(res.status, status, why);
    t.equal(res.headers.connection, 'close', why);
    t.match(res.headers['content-type'], /^application\/json/, why);
    t.match(JSON.parse(res.body), { error: { code, message } }, why);
  }
  const metrics = (await get(port, '/metrics')).body;
  t.match(metrics, /ipdest_http_client_errors_total\{code="BAD_REQUEST"\} 3/);
  t.match(metrics, /ipdest_http_client_errors_total\{code="HEADERS_TOO_LARGE"\} 1/);
  t.same(
    logs.filter((l) => l.level >= 40),
    [],
    'logged at debug only',
  );
});

t.test('413 names the body size and the limit', async (t) => {
  // The real 714-event Sysmon file's size against a 1 MiB limit.
  const { port } = await app(t, {}, 'server: { bodyLimit: 1048576 }\n');
  const size = 1_202_964;
  const head = '{"ip":"10.0.0.1","pad":"';
  const body = `${head}${'x'.repeat(size - head.length - 2)}"}`;
  t.equal(Buffer.byteLength(body), size);
  for (const path of ['/lookup', '/enrich', '/enrich/batch']) {
    const r = await raw(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n${body}`);
    const res = parse(r.text);
    t.equal(res.status, 413, path);
    t.same(JSON.parse(res.body), { error: { code: 'BODY_TOO_LARGE', message: 'body is 1,202,964 bytes; server.bodyLimit is 1,048,576' } }, path);
  }
  const chunk = body.slice(0, 600_000);
  const chunked = await raw(
    port,
    `POST /enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
  );
  t.same(
    JSON.parse(parse(chunked.text).body),
    { error: { code: 'BODY_TOO_LARGE', message: 'body is larger than server.bodyLimit (1,048,576 bytes)' } },
    'chunked',
  );
});

t.test('the Bearer scheme in any case; the token stays exact', async (t) => {
  t.equal(bearerToken(`bearer ${TOKEN}`), TOKEN);
  t.equal(bearerToken('Basic abc'), '');
  const { app: a } = await testApp({ token: true });
  t.teardown(() => a.close());
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const r = await a.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: `${scheme} ${TOKEN}` } });
    t.equal(r.statusCode, 200, scheme);
  }
  for (const auth of [`Bearer ${TOKEN.toUpperCase()}`, `Bearer${TOKEN}`, `Bearer  ${TOKEN} x`]) {
    const r = await a.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: auth } });
    t.equal(r.statusCode, 401, auth);
  }
});

t.test('POST /admin/reload without a token: 404 saying how to enable it', async (t) => {
  const { app: a } = await testApp();
  t.teardown(() => a.close());
  const r = await a.inject({ method: 'POST', url: '/admin/reload' });
  t.equal(r.statusCode, 404);
  t.same(JSON.parse(r.body), {
    error: { code: 'NOT_FOUND', message: 'POST /admin/reload is disabled: set IPDEST_ADMIN_TOKEN (or server.adminToken), at least 16 characters' },
  });
  const docs = JSON.parse((await a.inject({ method: 'GET', url: '/docs/json' })).body);
  t.notOk(docs.paths['/admin/reload'], 'not in the API docs while disabled');
});

t.test('past the connection cap: new connections closed at once, counted, logged once; accepted again after', async (t) => {
  const { port, logs } = await app(t, { maxConnections: 5 });
  const sockets: net.Socket[] = [];
  t.teardown(() => {
    for (const s of sockets) s.destroy();
  });
  let closedByServer = 0;
  for (let i = 0; i < 15; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => {
      closedByServer++;
    });
    sockets.push(s);
  }
  await waitUntil('10 connections shed', () => closedByServer >= 10);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(closedByServer, 10, 'the 5 within the cap stay open');
  const warned = logs.filter((l) => /connection limit reached/.test(l.msg));
  t.equal(warned.length, 1, 'one log line for the run, not one per connection');
  t.match(warned[0], { level: 40, limit: 5 });
  for (const s of sockets) s.destroy();
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = await get(port, '/healthz').then(
      (r) => r.status,
      () => 0,
    );
    if (status !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(status, 200, 'answers again once the connections are gone');
  const metrics = (await get(port, '/metrics')).body;
  // 10, and any /healthz try made before the server saw the 5 go.
  t.ok(Number(/^ipdest_connections_rejected_total (\d+)$/m.exec(metrics)?.[1]) >= 10, 'counted in ipdest_connections_rejected_total');
  t.match(metrics, /ipdest_connections_limit 5\n/);
});

t.test('the connection cap comes from the open-files limit', async (t) => {
  t.equal(openFilesLimit('Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 4096                 files\n'), 1024);
  t.equal(openFilesLimit('Max open files            unlimited            unlimited            files\n'), null);
  t.equal(openFilesLimit('nothing here'), null);
  const { app: a } = await app(t);
  const limit = openFilesLimit();
  if (limit === null) t.equal(a.metrics.connections.limit, null);
  else
    t.ok(
      a.metrics.connections.limit! > 0 && a.metrics.connections.limit! < limit - 64,
      `cap ${a.metrics.connections.limit} below the limit ${limit} less the reserve`,
    );
});

t.test('shutdown: answers in flight finish in full; idle keep-alive connections close', async (t) => {
  const { app: a, port } = await app(t, {}, 'server: { batchLimit: 100000, bodyLimit: 8388608 }\n');
  // 80,000 addresses: a 22 MB answer, more than the kernel's socket buffers hold, so most of it is
  // still queued in the process when the shutdown begins.
  const ips = Array.from({ length: 80_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const body = JSON.stringify({ ips });
  // An idle keep-alive connection: a request answered before the shutdown, then nothing.
  const idle = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => idle.destroy());
  t.equal((await get(port, '/healthz', idle)).headers.connection, 'keep-alive');
  const idleSocket = Object.values(idle.freeSockets)[0]![0]!;
  const idleClosed = new Promise<void>((r) => idleSocket.once('close', () => r()));
  // Slow readers of large answers: the answer is queued whole, the bytes leave as the client reads.
  let headersIn = 0;
  let begun!: () => void;
  const allBegun = new Promise<void>((r) => {
    begun = r;
  });
  const answers = Array.from(
    { length: 2 },
    () =>
      new Promise<{ status: number; length: number; got: number; connection?: string; json: boolean }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/lookup/batch',
            headers: { 'content-type': 'application/json' },
            agent: new http.Agent({ keepAlive: true }),
          },
          (res) => {
            if (++headersIn === 2) begun();
            readSlowly(res, 2).then(({ text, ...r }) => resolve({ ...r, json: isWholeBatch(text, ips.length) }), reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
  );
  // Shut down while the answers are being written.
  await allBegun;
  const started = Date.now();
  const result = await a.shutdown(10_000);
  t.same(result, { drained: true, cut: 0 });
  for (const r of await Promise.all(answers)) {
    t.equal(r.status, 200);
    t.equal(r.got, r.length, `the whole body: ${r.got} of ${r.length} bytes`);
    t.ok(r.json, 'and it parses');
  }
  await idleClosed;
  t.pass('the idle keep-alive connection was closed');
  t.ok(Date.now() - started < 10_000, 'within the time limit');
});

t.test('shutdown: an answer still in flight at the time limit is cut, and the shutdown says so', async (t) => {
  const { app: a, port } = await app(t);
  // A client that sends headers and half a body, then nothing: the request stays open.
  const s = net.connect(port, '127.0.0.1');
  t.teardown(() => s.destroy());
  s.on('error', () => {});
  s.write('POST /enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ip":');
  await waitUntil('the connection', () => a.metrics.connections.open === 1);
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  const result = await a.shutdown(300);
  t.same(result, { drained: false, cut: 1 });
  t.ok(Date.now() - started < 2000, `ended at the limit (${Date.now() - started} ms)`);
});

t.test('a malformed request pipelined after a whole one: the first is answered, then the connection closes', async (t) => {
  const { port } = await app(t);
  const events = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ip: `10.0.${i % 256}.1` })).join('\n');
  const cases: Array<[string, string, string]> = [
    ['fast path', '/lookup', '{"ip":"10.0.0.1"}'],
    ['a batch answered in slices', '/enrich/batch', events],
  ];
  for (const [why, path, body] of cases) {
    const type = path === '/enrich/batch' ? 'application/x-ndjson' : 'application/json';
    const r = await raw(
      port,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}BOGUS\r\n\r\n`,
    );
    const res = parse(r.text);
    t.equal(res.status, 200, `${why}: the whole request is answered`);
    t.equal(res.headers.connection, 'close', `${why}: and told the connection closes`);
    t.ok(r.closed, `${why}: the connection is closed after it`);
    if (path === '/lookup') t.match(JSON.parse(res.body), { ip: '10.0.0.1', IPDestination: 'Private' });
    else t.equal(res.body.trimEnd().split('\n').length, 3000, `${why}: every event answered`);
  }
});
