// GET /audit and POST /audit/reset on the real server: events posted to the enrich and lookup routes show in the live report, as JSON or one self-contained HTML page.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { listen, testApp, TOKEN } from '../helpers/app.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

const SYSMON = ['sysmon', 'winlogbeat8-eid3.ndjson'] as const;

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: r.status, type: r.headers.get('content-type') ?? '', csp: r.headers.get('content-security-policy'), text: await r.text() };
}

async function post(port: number, path: string, body: string, headers: Record<string, string> = {}) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, text: await r.text() };
}

t.test('events posted to /enrich/batch, /enrich and /lookup show in GET /audit', sharedData(...SYSMON), async (t) => {
  const { app } = await testApp({ token: true });
  t.teardown(() => app.close());
  const port = await listen(app);
  const ndjson = readFileSync(dataPath(...SYSMON), 'utf8');
  const events = ndjson.split('\n').filter((l) => l.trim() !== '');
  t.equal((await post(port, '/enrich/batch', ndjson, { 'content-type': 'application/x-ndjson' })).status, 200);
  t.equal((await post(port, '/enrich/batch', `[${events.slice(0, 3).join(',')}, 42]`)).status, 200);
  t.equal((await post(port, '/enrich', events[0]!)).status, 200);
  // POST /lookup as Logstash sends it: the fast path answers, and counts.
  t.equal((await post(port, '/lookup', JSON.stringify({ ip: '13.107.4.50' }))).status, 200);
  t.ok(app.fastLookup.answered >= 1, 'answered by the fast path');
  // Address-only lookups are not counted.
  t.equal((await get(port, '/lookup/13.107.4.50')).status, 200);

  const r = await get(port, '/audit');
  t.equal(r.status, 200);
  t.match(r.type, /^application\/json/);
  const rep = JSON.parse(r.text);
  const total = events.length + 3 + 1 + 1;
  t.equal(rep.totals.records, total + 1, 'every event, and the one that was no object');
  t.equal(rep.totals.connections, total);
  t.equal(rep.totals.skipped, 1);
  const files = Object.fromEntries(rep.input.files.map((f: any) => [f.path, f]));
  t.match(files['POST /enrich/batch'], { records: events.length + 4, connections: events.length + 3, reasons: { 'invalid event (INVALID_EVENT)': 1 } });
  t.match(files['POST /enrich'], { connections: 1 });
  t.match(files['POST /lookup'], { connections: 1 });
  t.equal(
    rep.destinations.reduce((s: number, d: any) => s + d.connections, 0),
    total,
    'per destination, every connection counted',
  );
  const ms = rep.destinations.find((d: any) => d.ip === '13.107.4.50');
  t.match(ms, { IPDestination: 'Microsoft', connections: 1, new: true });
  t.ok(
    rep.hosts.some((h: any) => h.host !== ''),
    'hosts read from the events',
  );
  t.ok(rep.processes.length > 0, 'processes from the events');
  for (const k of ['byTag', 'byService', 'byOwner', 'processes', 'hosts', 'beacons', 'live', 'bounds']) t.ok(k in rep, k);
  t.match(rep.bounds.destinations, { k: 1000, evicted: 0, maxOvercount: 0 });

  const metrics = (await get(port, '/metrics')).text;
  t.match(metrics, new RegExp(`^ipdest_audit_new_destinations_total ${rep.live.firstSeen.destinations.count}$`, 'm'));
  t.match(metrics, new RegExp(`^ipdest_audit_destinations_tracked ${rep.destinations.length}$`, 'm'));
});

t.test('Accept: text/html gets one self-contained page', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  await post(port, '/enrich', JSON.stringify({ destination: { ip: '8.8.8.8', port: 53 }, host: { name: 'pc-1' }, process: { executable: 'C:\\x.exe' } }));
  for (const accept of ['text/html', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8']) {
    const r = await get(port, '/audit', { accept });
    t.equal(r.status, 200, accept);
    t.match(r.type, /^text\/html/);
    t.match(r.text, /^<!DOCTYPE html>/);
    t.match(r.text, /8\.8\.8\.8/);
    t.match(r.csp, /default-src 'none'/);
    t.notMatch(r.text, /\b(src|href)="(https?:)?\/\//, 'nothing loaded from elsewhere');
    t.notMatch(r.text, /<link\b/);
  }
  t.match((await get(port, '/audit', { accept: '*/*' })).type, /^application\/json/, 'curl: JSON');
  t.match((await get(port, '/audit', { accept: 'application/json, text/html;q=0.5' })).type, /^application\/json/);
  t.match((await get(port, '/audit?format=html')).type, /^text\/html/, '?format= overrides');
  t.equal((await get(port, '/audit?format=xml')).status, 400);
});

t.test('POST /audit/reset needs the admin token; without one configured it is 404', async (t) => {
  const { app } = await testApp({ token: true });
  t.teardown(() => app.close());
  const port = await listen(app);
  await post(port, '/enrich', JSON.stringify({ ip: '8.8.8.8' }));
  t.equal(JSON.parse((await get(port, '/audit')).text).totals.connections, 1);
  const none = await post(port, '/audit/reset', '');
  t.equal(none.status, 401);
  t.match(JSON.parse(none.text), { error: { code: 'UNAUTHORIZED' } });
  t.equal((await post(port, '/audit/reset', '', { authorization: 'Bearer wrong-token-0123456789' })).status, 401);
  t.equal(JSON.parse((await get(port, '/audit')).text).totals.connections, 1, 'not reset');
  const ok = await post(port, '/audit/reset', '', { authorization: `Bearer ${TOKEN}` });
  t.equal(ok.status, 200);
  t.match(JSON.parse(ok.text), { reset: true });
  const after = JSON.parse((await get(port, '/audit')).text);
  t.equal(after.totals.connections, 0);
  t.same(after.destinations, []);
  await post(port, '/enrich', JSON.stringify({ ip: '8.8.4.4' }));
  t.equal(JSON.parse((await get(port, '/audit')).text).totals.connections, 1, 'counting goes on after a reset');

  const { app: open } = await testApp();
  t.teardown(() => open.close());
  const p2 = await listen(open);
  const r = await post(p2, '/audit/reset', '');
  t.equal(r.status, 404);
  t.match(JSON.parse(r.text), { error: { code: 'NOT_FOUND', message: /IPDEST_ADMIN_TOKEN/ } });
});

t.test('the live audit survives a list reload', async (t) => {
  const { app, state } = await testApp({ token: true });
  t.teardown(() => app.close());
  const port = await listen(app);
  await post(port, '/enrich', JSON.stringify({ ip: '8.8.8.8' }));
  await state.reload('test');
  await post(port, '/enrich', JSON.stringify({ ip: '8.8.8.8' }));
  t.match(JSON.parse((await get(port, '/audit')).text).destinations, [{ ip: '8.8.8.8', connections: 2 }]);
});
