// Error codes and docs/errors.md stay in step, both ways, and each code is answered where the doc says.
import t from 'tap';
import net from 'node:net';
import type { InjectOptions } from 'light-my-request';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { ERROR_CODES, type ErrorCode } from '../src/errors.js';
import { parseConfigText } from '../src/config/index.js';
import { buildApp, type IpdestApp } from '../src/http/index.js';
import { ServiceState } from '../src/service/index.js';
import { PROJECT_ROOT } from './helpers/shared-data.js';
import { defaultsApp, listen, testApp, TOKEN } from './helpers/app.js';
import { runCli } from './helpers/cli.js';

const doc = readFileSync(resolve(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (\d) \| ([^|]+) \|/gm)].map((m) => [
    m[1]!,
    { status: Number(m[2]), exit: Number(m[3]), where: m[4]!.trim() },
  ]),
);

t.test('every code is documented with its status and exit code', async (t) => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    t.match(rows.get(code), { status: spec.status, exit: spec.exit }, code);
  }
});

t.test('every documented code exists', async (t) => {
  for (const code of rows.keys()) t.ok(code in ERROR_CODES, `${code} is declared in src/errors.ts`);
});

/** What a producer saw: the HTTP status and the error code of the answer (or the CLI's exit code). */
interface Seen {
  status?: number;
  code?: string;
  exit?: number;
}

/** Writes raw bytes on a new connection and reads until the server closes it (bounded). */
function raw(port: number, data: string, waitMs = 3000): Promise<string> {
  return new Promise((resolvePromise) => {
    let text = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const timer = setTimeout(() => s.destroy(), waitMs);
    s.setEncoding('utf8');
    s.on('data', (c) => {
      text += c;
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolvePromise(text);
    });
    s.on('error', () => undefined);
  });
}

function fromRaw(text: string): Seen {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, code: (JSON.parse(body) as { error: { code: string } }).error.code };
}

async function injected(app: IpdestApp, req: InjectOptions): Promise<Seen> {
  const r = await app.inject(req);
  const body = JSON.parse(r.body) as { error?: { code: string }; lists?: Array<{ error: { code: string } | null }> };
  return { status: r.statusCode, code: body.error?.code ?? body.lists?.find((l) => l.error)?.error?.code };
}

// Per code: the route or command the doc names, and how to make it answer that code.
const PRODUCERS: Record<ErrorCode, [string, () => Promise<Seen>] | null> = {
  INVALID_ADDRESS: ['`GET /lookup/:ip`', async () => injected((await testApp()).app, { method: 'GET', url: '/lookup/010.0.0.1' })],
  NO_ADDRESS: [
    '`GET /lookup/:ip`',
    async () => injected((await testApp()).app, { method: 'GET', url: `/lookup/${encodeURIComponent('%{[destination][ip]}')}` }),
  ],
  INVALID_EVENT: [
    '`POST /enrich`',
    async () => injected((await testApp()).app, { method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: '[1]' }),
  ],
  BAD_JSON: [
    '`POST /lookup`',
    async () => injected((await testApp()).app, { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: '{"ip":' }),
  ],
  BAD_REQUEST: [
    '`POST /lookup/batch`',
    async () =>
      injected((await testApp()).app, { method: 'POST', url: '/lookup/batch', headers: { 'content-type': 'application/json' }, payload: '{"ips":5}' }),
  ],
  UNAUTHORIZED: [
    '`POST /admin/reload`',
    async () => injected((await testApp({ token: true })).app, { method: 'POST', url: '/admin/reload', headers: { authorization: `Bearer ${TOKEN}x` } }),
  ],
  NOT_FOUND: ['`GET /no-such-route`', async () => injected((await testApp()).app, { method: 'GET', url: '/no-such-route' })],
  REQUEST_TIMEOUT: [
    '`POST /lookup`',
    async () => {
      const logger = pino({ level: 'silent' });
      const state = new ServiceState(parseConfigText('', 'x.yaml'), '.', logger);
      const app = await buildApp({ state, logger, requestTimeout: 300, headersTimeout: 300 });
      await state.reload('test');
      const port = await listen(app);
      try {
        return fromRaw(await raw(port, 'POST /lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ip":'));
      } finally {
        await app.close();
      }
    },
  ],
  BODY_TOO_LARGE: [
    '`POST /enrich`',
    async () =>
      injected((await testApp({ config: 'server: { bodyLimit: 1000 }\n' })).app, {
        method: 'POST',
        url: '/enrich',
        headers: { 'content-type': 'application/json' },
        payload: `{"x":"${'a'.repeat(2000)}"}`,
      }),
  ],
  BATCH_TOO_LARGE: [
    '`POST /enrich/batch`',
    async () =>
      injected((await testApp({ config: 'server: { batchLimit: 1 }\n' })).app, {
        method: 'POST',
        url: '/enrich/batch',
        headers: { 'content-type': 'application/json' },
        payload: '[{},{}]',
      }),
  ],
  UNSUPPORTED_MEDIA_TYPE: [
    '`POST /lookup`',
    async () => injected((await testApp()).app, { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/xml' }, payload: '<ip/>' }),
  ],
  LIST_FORMAT: [
    '`GET /lists`',
    async () =>
      injected((await testApp({ config: 'lists: [{ name: mine, tag: Mine, format: text, path: bad.txt }]\n', files: { 'bad.txt': '10.0.0.0/33\n' } })).app, {
        method: 'GET',
        url: '/lists',
      }),
  ],
  LIST_FAILED: [
    '`GET /lists`',
    async () => {
      // A folder where the list file should be: refused unopened.
      const d = mkdtempSync(join(tmpdir(), 'ipdest-errors-'));
      mkdirSync(join(d, 'folder.txt'));
      const logger = pino({ level: 'silent' });
      const state = new ServiceState(parseConfigText('lists: [{ name: mine, tag: Mine, format: text, path: folder.txt }]\n', join(d, 'x.yaml')), d, logger);
      const app = await buildApp({ state, logger });
      await state.reload('test');
      try {
        return await injected(app, { method: 'GET', url: '/lists' });
      } finally {
        await app.close();
      }
    },
  ],
  HEADERS_TOO_LARGE: [
    '`GET /healthz`',
    async () => {
      const { app } = await testApp();
      const port = await listen(app);
      try {
        return fromRaw(await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      } finally {
        await app.close();
      }
    },
  ],
  OVERLOADED: [
    '`GET /lookup/:ip`',
    async () => {
      const { app, state } = await defaultsApp({ maxEventLoopDelay: 50, sampleInterval: 50 });
      await state.reload('test');
      const until = Date.now() + 300;
      while (Date.now() < until) {
        /* the event loop held, as a runaway request would */
      }
      await new Promise((r) => setTimeout(r, 0));
      try {
        return await injected(app, { method: 'GET', url: '/lookup/10.0.0.1' });
      } finally {
        await app.close();
      }
    },
  ],
  NOT_READY: [
    '`GET /readyz`',
    async () => {
      const { app } = await defaultsApp();
      try {
        return await injected(app, { method: 'GET', url: '/readyz' });
      } finally {
        await app.close();
      }
    },
  ],
  CONFIG_INVALID: [
    '`ipdest lookup`',
    async () => {
      const d = mkdtempSync(join(tmpdir(), 'ipdest-errors-'));
      writeFileSync(join(d, 'bad.yaml'), 'server: { port: nope }\n');
      return { exit: (await runCli(['lookup', '--config', join(d, 'bad.yaml'), '10.0.0.1'])).code };
    },
  ],
  LISTEN_FAILED: [
    '`ipdest serve`',
    async () => {
      const holder = net.createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
      const port = (holder.address() as net.AddressInfo).port;
      const d = mkdtempSync(join(tmpdir(), 'ipdest-errors-'));
      writeFileSync(join(d, 'c.yaml'), 'server: { logLevel: silent }\n');
      try {
        return { exit: (await runCli(['serve', '--config', join(d, 'c.yaml'), '--port', String(port)])).code };
      } finally {
        holder.close();
      }
    },
  ],
  INTERNAL: null, // never for anything a client sent: nothing a test sends may produce it
};

t.test('each code is answered by the route or command the doc names', async (t) => {
  for (const [code, spec] of Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>) {
    const row = rows.get(code);
    const producer = PRODUCERS[code];
    if (producer === null) {
      t.equal(row?.where, '—', `${code}: the doc names no route`);
      continue;
    }
    const [where, produce] = producer;
    t.equal(row?.where, where, `${code}: the doc names ${where}`);
    const seen = await produce();
    if (where.startsWith('`ipdest ')) t.equal(seen.exit, spec.exit, `${code}: ${where} exits ${spec.exit}`);
    else t.same(seen, { status: where === '`GET /lists`' ? 200 : spec.status, code }, `${code}: ${where} answers it`);
  }
});
