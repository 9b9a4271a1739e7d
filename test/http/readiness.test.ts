// Honest readiness: /readyz and /lists say which lists are missing or failed; 503 while a required list is not in.
import t from 'tap';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { buildApp, type IpdestApp } from '../../src/http/index.js';
import { ServiceState } from '../../src/service/index.js';
import { excerpt, listsBody } from '../../src/http/routes/lists.js';
import { listen } from '../helpers/app.js';
import { FIXTURES } from '../helpers/shared-data.js';

interface Service {
  app: IpdestApp;
  state: ServiceState;
  dir: string;
  logs: Array<Record<string, any>>;
}

/** The app over `yaml` in a fresh folder holding `files`; logs captured as objects. */
async function service(yaml: string, files: Record<string, string> = {}, load = true): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-ready-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const logs: Array<Record<string, any>> = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line));
      },
    },
  );
  // No snapshot: these tests are about absent files, for which it would stand in (test/lists/snapshot.test.ts).
  const state = new ServiceState(parseConfigText(yaml, join(dir, 'ipdest.yaml')), dir, logger, { snapshot: null });
  const app = await buildApp({ state, logger });
  if (load) await state.reload('test');
  return { app, state, dir, logs };
}

async function get(port: number, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.json() };
}

// The shipped config's cloud lists (config/ipdest.yaml), with no file for any of them.
const CLOUD = `
lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: cidr-lists/ServiceTags_Public_*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: cidr-lists/msft-public-ips.csv }
  - { name: aws, tag: AWS, format: aws-ip-ranges, path: cidr-lists/ip-ranges.json }
  - { name: google-cloud, tag: Google, format: google-ip-ranges, path: cidr-lists/cloud.json }
  - { name: google, tag: Google, format: google-ip-ranges, path: cidr-lists/goog.json }
`;

t.test('every cloud list missing (a forgotten volume): /readyz 200 degraded naming them; lookups still answer', async (t) => {
  const { app, logs } = await service(CLOUD);
  t.teardown(() => app.close());
  const port = await listen(app);
  const ready = await get(port, '/readyz');
  t.equal(ready.status, 200);
  t.match(ready.body, {
    status: 'degraded',
    missing: ['azure', 'microsoft', 'aws', 'google-cloud', 'google'],
    stale: [],
    failed: [],
    waitingFor: [],
    lists: 11,
    builtAt: String,
    message: /missing: azure, microsoft, aws, google-cloud, google/,
  });
  t.notOk('error' in ready.body, 'degraded is not an error');
  const lists = await get(port, '/lists');
  t.equal(lists.status, 200);
  t.match(lists.body, { status: 'degraded', missing: ['azure', 'microsoft', 'aws', 'google-cloud', 'google'], failed: [], stale: [] });
  t.equal(lists.body.lists.length, 11, 'the lists as before');
  const answer = await get(port, '/lookup/13.107.4.50');
  t.equal(answer.status, 200, 'lookups answer from what is loaded');
  t.equal(answer.body.label, 'Unlisted');
  const warn = logs.find((l) => l.level === 40 && l.readiness === 'degraded');
  t.match(
    warn,
    {
      missing: ['azure', 'microsoft', 'aws', 'google-cloud', 'google'],
      failed: [],
      msg: /lists loaded, degraded: serving without every list \(missing: azure/,
    },
    'the reload warns which lists are missing',
  );
});

t.test('a required list missing: 503 not-ready naming it, lookups still answer; its file arrives: ready', async (t) => {
  const { app, state, dir, logs } = await service(
    `
lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: azure-tags-*.json, required: true }
  - { name: mine, tag: Mine, format: text, path: mine.txt }
`,
    { 'mine.txt': '198.51.100.0/24\n' },
  );
  t.teardown(() => app.close());
  const port = await listen(app);
  const ready = await get(port, '/readyz');
  t.equal(ready.status, 503);
  t.match(ready.body, {
    status: 'not-ready',
    missing: ['azure'],
    stale: [],
    failed: [],
    waitingFor: ['azure'],
    error: { code: 'NOT_READY', message: /required list azure not loaded \(missing: azure\)/ },
  });
  t.match(
    logs.find((l) => l.level === 40 && l.readiness),
    { readiness: 'not-ready', missing: ['azure'], waitingFor: ['azure'] },
  );
  const lists = await get(port, '/lists');
  t.equal(lists.status, 200, '/lists answers, and says the same');
  t.match(lists.body, {
    status: 'not-ready',
    missing: ['azure'],
    waitingFor: ['azure'],
    lists: [
      { name: 'azure', state: 'missing', required: true },
      { name: 'mine', state: 'loaded', required: false },
    ],
  });
  t.match((await get(port, '/lookup/198.51.100.7')).body, { IPDestination: 'Mine' }, 'lookups answer from what is loaded');

  copyFileSync(join(FIXTURES, 'lists', 'azure-tags-20250106.json'), join(dir, 'azure-tags-20250106.json'));
  await state.reload('test');
  const now = await get(port, '/readyz');
  t.equal(now.status, 200);
  t.match(now.body, { status: 'ready', missing: [], stale: [], failed: [], waitingFor: [] });
  t.match((await get(port, '/lists')).body, { status: 'ready', missing: [], failed: [] });
});

t.test('a required list whose new file is malformed: its last good version serves, degraded (200), not 503', async (t) => {
  const { app, state, dir } = await service('lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt, required: true }\n', {
    'mine.txt': '198.51.100.0/24\n',
  });
  t.teardown(() => app.close());
  t.match(JSON.parse((await app.inject({ method: 'GET', url: '/readyz' })).body), { status: 'ready' });
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n10.0.0.0/33\n');
  await state.reload('test');
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 200);
  t.match(JSON.parse(r.body), { status: 'degraded', failed: ['mine'], missing: [], waitingFor: [] });
});

t.test('before the first load: 503 not-ready, waiting for the required lists', async (t) => {
  const { app, state } = await service(
    'lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt, required: true }\n  - { name: other, tag: O, format: text, path: o.txt }\n',
    { 'mine.txt': '198.51.100.0/24\n' },
    false,
  );
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 503);
  t.same(JSON.parse(r.body), {
    status: 'not-ready',
    missing: [],
    stale: [],
    failed: [],
    waitingFor: ['mine'],
    error: { code: 'NOT_READY', message: 'the lists are not loaded yet: the first load has not finished' },
  });
  await state.reload('test');
  const after = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(after.statusCode, 200);
  t.match(JSON.parse(after.body), { status: 'degraded', missing: ['other'] });
});

t.test('a malformed line: GET /lists shows a short escaped excerpt; the log and the admin view keep it whole', async (t) => {
  const secret = 'password=' + 'S'.repeat(300);
  const line = `10.0.0.0/33 \u001b[2J\u202e ${secret}`;
  const { app, state, dir, logs } = await service('lists:\n  - { name: mine, tag: Mine, format: text, path: mine.txt }\n', { 'mine.txt': '198.51.100.0/24\n' });
  t.teardown(() => app.close());
  writeFileSync(join(dir, 'mine.txt'), `198.51.100.0/24\n${line}\n`);
  const outcome = await state.reload('test');
  const pub = JSON.parse((await app.inject({ method: 'GET', url: '/lists' })).body).lists[0];
  t.match(pub, { state: 'failed', error: { line: 2, file: /mine\.txt$/ } });
  t.ok(pub.error.text.length <= 80, `the excerpt is ${pub.error.text.length} characters`);
  t.match(pub.error.text, /^10\.0\.0\.0\/33 \\u001b\[2J\\u202e password=S+…$/, 'controls and bidi overrides escaped, cut with …');
  t.notMatch(pub.error.text, /[\u0000-\u001f\u202e]/);
  t.notMatch(pub.error.message, /S{100}/, 'the message does not carry the whole line either');
  t.ok(pub.error.message.includes(`mine.txt:2: invalid CIDR`), pub.error.message);
  t.ok(pub.error.message.endsWith(`"${pub.error.text}"`), 'the message quotes the excerpt');

  const full = JSON.parse(listsBody(outcome.set, { full: true })).lists[0];
  t.equal(full.error.text, line, 'the admin view has the whole line');
  t.match(JSON.parse(listsBody(outcome.set)).lists[0].error.text, /…$/, 'listsBody(set) is the public view');
  const logged = logs.find((l) => l.level === 50 && l.list === 'mine');
  t.equal(logged?.error?.text, line, 'the log has the whole line');
});

t.test('excerpt: escapes, never cuts an escape or a character in two', async (t) => {
  t.equal(excerpt('a\tb\nc\\d'), 'a\\tb\\nc\\\\d');
  t.equal(excerpt('x'.repeat(80)), 'x'.repeat(80), 'at the limit: whole');
  t.equal(excerpt('x'.repeat(81)), 'x'.repeat(79) + '…');
  t.equal(excerpt('x'.repeat(78) + '\u0000yz'), 'x'.repeat(78) + '…', 'an escape that does not fit is left out whole');
  t.equal(excerpt('x'.repeat(78) + '😀😀😀'), 'x'.repeat(78) + '…', 'a surrogate pair is not split');
  t.equal(excerpt('\ud800 \u200b'), '\\ud800 \\u200b', 'lone surrogates and zero-width characters show');
});
