// lists update against a local server: first download, 304 and the version probe, newer and older versions, every refusal, held shrinks, retries, Azure's download page, a proxy.
import t, { type Test } from 'tap';
import { createServer, request as httpRequest } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KNOWN_SOURCES,
  readSourceState,
  serviceTagsLink,
  updateList,
  type KnownSource,
  type UpdatableList,
  type UpdateOptions,
} from '../../../src/lists/index.js';
import { dataPath, sharedData } from '../../helpers/shared-data.js';
import { listServer, plain, withEtag, type ListServer } from '../../helpers/list-server.js';

const AWS = dataPath('aws', 'ip-ranges.json');
const AZ1 = dataPath('azure', 'ServiceTags_Public_20251013.json');
const AZ2 = dataPath('azure', 'ServiceTags_Public_20251028.json');
// cloud.json in the shared data is the older file (syncToken 1714053903689), cloud_20250724.json the newer.
const G_OLD = dataPath('google', 'cloud.json');
const G_NEW = dataPath('google', 'cloud_20250724.json');
const MS_PREV = dataPath('microsoft', 'msft-public-ips.prev.csv');
const MS_NOW = dataPath('microsoft', 'msft-public-ips.csv');

const FAST: UpdateOptions['download'] = { timeoutMs: 3000, retry: { attempts: 3, baseMs: 5, maxMs: 20 } };

interface Fixture {
  dir: string;
  server: ListServer;
  opts: UpdateOptions;
  list: (over?: Partial<UpdatableList>) => UpdatableList;
}

async function fixture(t: Test, format: UpdatableList['format'], file: string, over: Partial<UpdateOptions> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-sources-'));
  const server = await listServer();
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    server,
    opts: { baseDir: dir, download: FAST, ...over },
    list: (o = {}) => ({ name: 'l', format, path: file, url: `${server.origin}/list`, ...o }),
  };
}

const read = (p: string) => readFileSync(p);

t.test('first download: the file is the body, the state remembers it', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', withEtag(read(AWS)));
  const r = await updateList(f.list(), f.opts);
  t.match(r, { state: 'updated', version: '1787411825', previousVersion: null, prefixes: { v4: 7905, v6: 3108 } });
  t.same(read(join(f.dir, 'ip-ranges.json')), read(AWS), 'byte-identical');
  const state = await readSourceState({ name: 'l', path: 'ip-ranges.json' }, f.dir);
  t.match(state, { etag: '"v1"', version: '1787411825', fetchedAt: String, activatedAt: String, lastRejection: null });
  t.same(
    readdirSync(f.dir).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
});

t.test('unchanged: the conditional request is answered 304 and no body is sent', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', withEtag(read(AWS)));
  await updateList(f.list(), f.opts);
  const r = await updateList(f.list(), f.opts);
  t.match(r, { state: 'unchanged', reason: /304/, version: '1787411825', previousVersion: '1787411825' });
  const second = f.server.seen[1]!;
  t.equal(second.headers['if-none-match'], '"v1"', 'sent the stored ETag');
  t.equal(second.bytes, 0, 'no body transferred');
});

t.test('unchanged: the version in the first bytes stops the download (a server without validators)', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  const body = read(AWS);
  f.server.route('/list', plain(body));
  await updateList(f.list(), f.opts);
  // Second time: the head of the same file, then nothing more, ever. Only the probe can answer.
  f.server.route('/list', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.write(body.subarray(0, 16 * 1024));
  });
  const r = await updateList(f.list(), { ...f.opts, download: { ...FAST, timeoutMs: 60_000 } });
  t.match(r, { state: 'unchanged', reason: /same version 1787411825/ });
  t.ok(f.server.seen[1]!.bytes < body.length, 'the body was not downloaded whole');
});

t.test('a newer version activates; an older one is refused and the active file stays', sharedData('google'), async (t) => {
  const f = await fixture(t, 'google-ip-ranges', 'cloud.json');
  f.server.route('/list', plain(read(G_OLD)));
  t.match(await updateList(f.list(), f.opts), { state: 'updated', version: '1714053903689' });
  f.server.route('/list', plain(read(G_NEW)));
  t.match(await updateList(f.list(), f.opts), { state: 'updated', version: '1753409788780', previousVersion: '1714053903689' });
  f.server.route('/list', plain(read(G_OLD)));
  const r = await updateList(f.list(), f.opts);
  t.match(r, { state: 'rejected', reason: /1714053903689 is older than the active 1753409788780/, version: '1753409788780' });
  t.same(read(join(f.dir, 'cloud.json')), read(G_NEW), 'the newer file is still active');
  t.match(await readSourceState({ name: 'l', path: 'cloud.json' }, f.dir), { lastRejection: { at: String, reason: /older/ } });
});

t.test('a list without a version of its own: the content hash decides (Microsoft CSV)', sharedData('microsoft'), async (t) => {
  const f = await fixture(t, 'msft-public-ip-csv', 'msft-public-ips.csv');
  f.server.route('/list', plain(read(MS_PREV), 200, 'text/csv'));
  const first = await updateList(f.list(), f.opts);
  t.match(first, { state: 'updated', version: /^sha256:/ });
  f.server.route('/list', plain(read(MS_NOW), 200, 'application/octet-stream'));
  const second = await updateList(f.list(), f.opts);
  t.match(second, { state: 'updated', previousVersion: first.version });
  t.same(read(join(f.dir, 'msft-public-ips.csv')), read(MS_NOW));
  t.match(await updateList(f.list(), f.opts), { state: 'unchanged', reason: /same content/ });
});

/** The AWS file under a newer syncToken: the version probe lets it through to the checks after it. */
const newerAws = () => Buffer.from(readFileSync(AWS, 'utf8').replace('"syncToken": "1787411825"', '"syncToken": "1787411826"'));

const IIS_404 =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n<title>404 - File or directory not found.</title>\r\n</head><body><div id="header"><h1>Server Error</h1></div></body></html>';
const CHALLENGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="refresh" content="390"></head><body><noscript>Enable JavaScript and cookies to continue</noscript><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>';

// Each row: what the source answers, the state and the reason; the active file must stay byte-identical.
const REFUSALS: Array<{ why: string; route: Parameters<ListServer['route']>[1]; state: string; reason: RegExp; download?: UpdateOptions['download'] }> = [
  { why: 'an IIS 404 page', route: plain(IIS_404, 404, 'text/html'), state: 'failed', reason: /HTTP 404 .*"404 - File or directory not found\."/ },
  { why: 'an HTML page with status 200', route: plain(IIS_404, 200, 'text/html'), state: 'rejected', reason: /HTML page titled "404 - File/ },
  { why: 'an HTML page with 200 and a JSON content type', route: plain(IIS_404, 200, 'application/json'), state: 'rejected', reason: /HTML page titled/ },
  { why: 'a bot challenge with 403', route: plain(CHALLENGE, 403, 'text/html; charset=UTF-8'), state: 'failed', reason: /HTTP 403 .*"Just a moment\.\.\."/ },
  { why: 'a bot challenge with 200', route: plain(CHALLENGE, 200, 'text/html; charset=UTF-8'), state: 'rejected', reason: /"Just a moment\.\.\."/ },
  { why: 'an empty body', route: plain(''), state: 'rejected', reason: /empty body/ },
  { why: 'a body of blanks', route: plain('\n  \n'), state: 'rejected', reason: /empty body/ },
  {
    why: 'a truncated JSON file (its Content-Length matching)',
    route: (_req, res) => {
      const cut = newerAws().subarray(0, 100_000);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': cut.length }).end(cut);
    },
    state: 'rejected',
    reason: /not a valid aws-ip-ranges list/,
  },
  {
    why: 'a body shorter than its Content-Length (the connection dropped)',
    route: (_req, res) => {
      const body = newerAws();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.subarray(0, 50_000), () => res.destroy());
    },
    state: 'rejected',
    reason: /connection closed after|truncated/,
  },
  {
    why: 'a slow drip past the deadline',
    route: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"syncToken": "9999999999", ');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    },
    state: 'failed',
    reason: /no complete answer .* within 500 ms/,
    download: { timeoutMs: 500, retry: { attempts: 2, baseMs: 5, maxMs: 10 } },
  },
  {
    why: 'a redirect loop',
    route: (req, res) => {
      res.writeHead(302, { location: req.url === '/list' ? '/list?again' : '/list' }).end();
    },
    state: 'failed',
    reason: /redirect loop: .*\/list → .*\/list\?again → .*\/list$/,
  },
  {
    why: 'a 5 GB Content-Length (refused before reading)',
    route: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 1024 ** 3) });
      res.write('{');
    },
    state: 'rejected',
    reason: /announced 5120 MiB, over the limit of 256 MiB: not read/,
    download: { timeoutMs: 60_000, retry: { attempts: 1, baseMs: 5, maxMs: 10 } },
  },
  { why: 'a JSON document that is not the format', route: plain('{"hello": "world"}'), state: 'rejected', reason: /not a valid aws-ip-ranges list/ },
  { why: 'a server error that stays', route: plain('oops', 503, 'text/plain'), state: 'failed', reason: /HTTP 503/ },
];

for (const row of REFUSALS) {
  t.test(`refused: ${row.why}; the active file stays`, sharedData('aws', 'ip-ranges.json'), async (t) => {
    const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
    f.server.route('/list', plain(read(AWS)));
    await updateList(f.list(), f.opts);
    f.server.route('/list', row.route);
    const r = await updateList(f.list(), { ...f.opts, download: row.download ?? FAST });
    t.match(r, { state: row.state, reason: row.reason, version: '1787411825', previousVersion: '1787411825' });
    t.same(read(join(f.dir, 'ip-ranges.json')), read(AWS), 'active file byte-identical');
    const state = await readSourceState({ name: 'l', path: 'ip-ranges.json' }, f.dir);
    t.match(row.state === 'failed' ? state?.lastFailure : state?.lastRejection, { at: String, reason: row.reason });
  });
}

/** The AWS file with only every `keep`-th prefix (and a newer syncToken): a collapse, not an update. */
function thinned(keep: number): Buffer {
  const doc = JSON.parse(readFileSync(AWS, 'utf8')) as { syncToken: string; prefixes: unknown[]; ipv6_prefixes: unknown[] };
  doc.syncToken = String(Number(doc.syncToken) + 1);
  doc.prefixes = doc.prefixes.filter((_, i) => i % keep === 0);
  doc.ipv6_prefixes = doc.ipv6_prefixes.filter((_, i) => i % keep === 0);
  return Buffer.from(JSON.stringify(doc, null, 2));
}

t.test('a list 10× smaller is held, then accepted when fetched again unchanged', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', plain(read(AWS)));
  await updateList(f.list(), f.opts);
  const small = thinned(10);
  f.server.route('/list', plain(small));
  const held = await updateList(f.list(), f.opts);
  t.match(held, {
    state: 'held',
    reason: /\d+ prefixes .*8\d\.\d% fewer than the active 11013 prefixes \(7905 IPv4, 3108 IPv6\): beyond maxShrink 10%: held back/,
    version: '1787411825',
  });
  t.same(read(join(f.dir, 'ip-ranges.json')), read(AWS), 'still the full file');
  const again = await updateList(f.list(), f.opts);
  t.match(again, { state: 'updated', reason: /fetched again unchanged: accepted/, version: '1787411826' });
  t.same(read(join(f.dir, 'ip-ranges.json')), small);
});

t.test('a held list is taken at once with force; a shrink within maxShrink is not held', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', plain(read(AWS)));
  await updateList(f.list(), f.opts);
  f.server.route('/list', plain(thinned(10)));
  t.match(await updateList(f.list(), { ...f.opts, force: true }), { state: 'updated', reason: /taken with --force/ });
  const g = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  g.server.route('/list', plain(read(AWS)));
  await updateList(g.list(), g.opts);
  g.server.route('/list', plain(thinned(10)));
  t.match(await updateList(g.list({ maxShrink: 0.95 }), g.opts), { state: 'updated', reason: null }, 'maxShrink 0.95 allows a 90% shrink');
});

t.test('a list that grows more than 10× is held', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', plain(thinned(20)));
  await updateList(f.list(), f.opts);
  const full = JSON.parse(readFileSync(AWS, 'utf8')) as { syncToken: string };
  full.syncToken = String(Number(full.syncToken) + 5);
  f.server.route('/list', plain(JSON.stringify(full)));
  t.match(await updateList(f.list(), f.opts), { state: 'held', reason: /× the active .*more than 10×/ });
});

t.test('a 5xx, then success: retried', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  const body = read(AWS);
  f.server.route('/list', (req, res, n) => (n === 1 ? plain('busy', 503, 'text/plain')(req, res, n) : plain(body)(req, res, n)));
  const notes: string[] = [];
  const r = await updateList(f.list(), { ...f.opts, onNote: (_l, m) => notes.push(m) });
  t.match(r, { state: 'updated' });
  t.equal(f.server.seen.length, 2, 'two requests');
  t.match(notes, [/retrying in .* HTTP 503/]);
});

t.test('429 with Retry-After is waited for, then retried', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  const body = read(AWS);
  f.server.route('/list', (req, res, n) => {
    if (n === 1) return void res.writeHead(429, { 'retry-after': '0' }).end();
    plain(body)(req, res, n);
  });
  t.match(await updateList(f.list(), f.opts), { state: 'updated' });
  t.equal(f.server.seen.length, 2);
});

/** Azure's sources with the download page and the link pinned to the local server. */
function azureKnown(server: ListServer): Record<string, KnownSource> {
  return {
    ...KNOWN_SOURCES,
    'azure-service-tags': {
      ...KNOWN_SOURCES['azure-service-tags'],
      page: () => ({ url: `${server.origin}/en-us/download/details.aspx?id=56519`, link: serviceTagsLink('Public', server.origin.replace(/\./g, '\\.')) }),
    },
  };
}

const page = (...links: string[]) =>
  `<!DOCTYPE html><html><head><title>Download Azure IP Ranges and Service Tags – Public Cloud</title></head><body>${links
    .map((l) => `<a href="${l}" class="mscom-link">download</a><script>window.__DLCDetails__={"url":"${l.replace(/\//g, '\\/')}"}</script>`)
    .join('')}</body></html>`;

t.test('Azure: the dated file is found on the download page and stored under its name', sharedData('azure'), async (t) => {
  const f = await fixture(t, 'azure-service-tags', 'lists/ServiceTags_Public_*.json');
  const f1 = `${f.server.origin}/download/7/1/d/71d86715-5596-4529-9b13-da13a5de5b63/ServiceTags_Public_20251013.json`;
  const f2 = `${f.server.origin}/download/7/1/d/71d86715-5596-4529-9b13-da13a5de5b63/ServiceTags_Public_20251028.json`;
  f.server.route('/en-us/download/details.aspx', plain(page(f1), 200, 'text/html'));
  f.server.route(new URL(f1).pathname, plain(read(AZ1)));
  f.server.route(new URL(f2).pathname, plain(read(AZ2)));
  const opts = { ...f.opts, known: azureKnown(f.server) };
  const list = f.list({ url: undefined });
  writeFileSync(join(f.dir, 'placeholder'), '');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(f.dir, 'lists'));
  t.match(await updateList(list, opts), { state: 'updated', version: '373', url: f1 });
  f.server.route('/en-us/download/details.aspx', plain(page(f2), 200, 'text/html'));
  const r = await updateList(list, opts);
  t.match(r, { state: 'updated', version: '375', previousVersion: '373', file: join(f.dir, 'lists', 'ServiceTags_Public_20251028.json') });
  t.same(
    readdirSync(join(f.dir, 'lists')).filter((n) => !n.startsWith('.')),
    ['ServiceTags_Public_20251028.json'],
    'the newer dated file is the one the glob picks (the older is in the history)',
  );
  t.same(read(join(f.dir, 'lists', 'ServiceTags_Public_20251028.json')), read(AZ2));

  f.server.route('/en-us/download/details.aspx', plain(page(), 200, 'text/html'));
  t.match(await updateList(list, opts), { state: 'failed', reason: /download page .*details\.aspx\?id=56519 has no link/ });
  f.server.route('/en-us/download/details.aspx', plain(page(f1, f2), 200, 'text/html'));
  t.match(await updateList(list, opts), { state: 'failed', reason: /links 2 different files .*20251013.*20251028.*refusing to guess/ });
  f.server.route('/en-us/download/details.aspx', plain(page(`https://download.micros0ft.com/download/x/ServiceTags_Public_20251029.json`), 200, 'text/html'));
  t.match(await updateList(list, opts), { state: 'failed', reason: /no link/ }, 'a link on another host is not followed');
  t.same(read(join(f.dir, 'lists', 'ServiceTags_Public_20251028.json')), read(AZ2), 'still active after every failure');
});

t.test('Azure: a url to a details.aspx page is taken as the download page', sharedData('azure'), async (t) => {
  const f = await fixture(t, 'azure-service-tags', 'ServiceTags_Public_*.json');
  const link = `${f.server.origin}/download/a/ServiceTags_Public_20251013.json`;
  f.server.route('/download/details.aspx', plain(page(link), 200, 'text/html'));
  f.server.route('/download/a/ServiceTags_Public_20251013.json', plain(read(AZ1)));
  const known = azureKnown(f.server);
  const r = await updateList(f.list({ url: `${f.server.origin}/download/details.aspx?id=56519` }), { ...f.opts, known });
  t.match(r, { state: 'updated', url: link, version: '373' });
});

t.test('a file whose name does not match a glob path is refused', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'aws-*.json');
  f.server.route('/list', plain(read(AWS)));
  t.match(await updateList(f.list(), f.opts), { state: 'failed', reason: /the download's name list does not match the path's pattern aws-\*\.json/ });
});

t.test('no url and no official source: failed with the reason', async (t) => {
  const f = await fixture(t, 'text', 'x.txt');
  t.match(await updateList(f.list({ url: undefined }), f.opts), { state: 'failed', reason: /no url configured and a text list has no official source/ });
  t.match(await updateList({ ...f.list({ url: undefined }), format: 'google-ip-ranges', path: 'ranges.json' }, f.opts), {
    state: 'failed',
    reason: /name the file goog\*\.json or cloud\*\.json/,
  });
});

t.test('file:// URLs (an offline mirror)', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  t.match(await updateList(f.list({ url: `file://${AWS}` }), f.opts), { state: 'updated', version: '1787411825' });
  t.match(await updateList(f.list({ url: `file://${AWS}` }), f.opts), { state: 'unchanged' });
  t.match(await updateList(f.list({ url: `file://${f.dir}/nothing.json` }), f.opts), { state: 'failed', reason: /nothing\.json/ });
});

/** A proxy: CONNECT tunnels and absolute-URI requests, each recorded. */
async function proxyServer(t: Test): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const tunnels = new Set<net.Socket>();
  server.on('connect', (req, socket: net.Socket) => {
    seen.push(`CONNECT ${req.url}`);
    tunnels.add(socket);
    const [host, port] = req.url!.split(':');
    const up = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (tunnels.forEach((s) => s.destroy()), server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

t.test('HTTP_PROXY: the request goes through the proxy; NO_PROXY bypasses it', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const proxy = await proxyServer(t);
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  f.server.route('/list', plain(read(AWS)));
  const r = await updateList(f.list(), { ...f.opts, download: { ...FAST, proxy: { httpProxy: proxy.url } } });
  t.match(r, { state: 'updated' });
  t.same(proxy.seen, [`GET ${f.server.origin}/list`], 'the proxy saw the absolute-URI request');
  const g = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  g.server.route('/list', plain(read(AWS)));
  await updateList(g.list(), { ...g.opts, download: { ...FAST, proxy: { httpProxy: proxy.url, noProxy: 'example.org, 127.0.0.1' } } });
  t.equal(proxy.seen.length, 1, 'NO_PROXY: not through the proxy');
  t.ok(existsSync(join(g.dir, 'ip-ranges.json')));
});

t.test('HTTPS_PROXY: an https download goes through a CONNECT tunnel', sharedData('aws', 'ip-ranges.json'), async (t) => {
  // A throw-away certificate for 127.0.0.1; skipped where openssl is not installed.
  const { spawnSync } = await import('node:child_process');
  const { createServer: createTls } = await import('node:https');
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gen = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  if (gen.status !== 0) {
    t.comment('skipped: openssl is not available to make a test certificate');
    return;
  }
  const cert = readFileSync(join(dir, 'c.pem'));
  const body = read(AWS);
  const tlsServer = createTls({ key: readFileSync(join(dir, 'k.pem')), cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (tlsServer.closeAllConnections(), tlsServer.close(() => r()))));
  const port = (tlsServer.address() as AddressInfo).port;
  const proxy = await proxyServer(t);
  const f = await fixture(t, 'aws-ip-ranges', 'ip-ranges.json');
  const r = await updateList(f.list({ url: `https://127.0.0.1:${port}/ip-ranges.json` }), {
    ...f.opts,
    download: { ...FAST, ca: cert, proxy: { httpsProxy: proxy.url } },
  });
  t.match(r, { state: 'updated', version: '1787411825' });
  t.same(proxy.seen, [`CONNECT 127.0.0.1:${port}`], 'the proxy saw the tunnel');
});
