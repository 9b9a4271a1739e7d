// Every route and error code, through app.inject: the contract's shapes, Logstash's and Graylog's calls.
import t from 'tap';
import type { InjectOptions } from 'light-my-request';
import { defaultsApp, testApp, TOKEN } from '../helpers/app.js';

const json = (r: { body: string }) => JSON.parse(r.body);

t.test('GET /lookup/:ip', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const ok = await app.inject({ method: 'GET', url: '/lookup/13.107.4.50' });
  t.equal(ok.statusCode, 200);
  t.match(ok.headers['content-type'], /application\/json/);
  t.match(json(ok), {
    input: '13.107.4.50',
    ip: '13.107.4.50',
    version: 4,
    mapped: false,
    IPDestination: 'Microsoft',
    label: 'Microsoft',
    tags: ['Microsoft'],
    scope: 'global',
    external: true,
    action: 'keep',
  });
  t.same(
    json(ok).matches.map((m: any) => `${m.list} ${m.prefix}`),
    ['azure 13.107.4.0/22', 'microsoft 13.104.0.0/14'],
    'most specific first',
  );
  const bad = await app.inject({ method: 'GET', url: '/lookup/010.0.0.1' });
  t.equal(bad.statusCode, 400);
  t.match(json(bad), { error: { code: 'INVALID_ADDRESS', message: /leading zero/ } });
});

t.test("Graylog's data adapter: URL-encoded keys, $.label always a string", async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const cases: Array<[string, string]> = [
    ['13.107.4.50', 'Microsoft'], // matched
    ['8.8.8.8', 'Unlisted'], // global, in no list
    ['10.1.2.3', 'Private'], // private built-in
    ['192.0.2.1', 'documentation'], // no tag: the scope
    [encodeURIComponent('2603:1000::5'), 'Microsoft'],
    [encodeURIComponent('2001:db8::1'), 'documentation'],
    [encodeURIComponent('fe80::1%eth0'), 'LinkLocal'],
    [encodeURIComponent('[fe80::1%12]'), 'LinkLocal'],
    [encodeURIComponent('::ffff:10.0.0.1'), 'Private'],
  ];
  for (const [key, label] of cases) {
    const r = await app.inject({ method: 'GET', url: `/lookup/${key}`, headers: { 'user-agent': 'Graylog Server' } });
    t.equal(r.statusCode, 200, key);
    t.equal(typeof json(r).label, 'string', `${key}: label is a string`);
    t.equal(json(r).label, label, key);
  }
});

t.test("POST /lookup as Logstash's http filter sends it", async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const ua = 'Manticore 0.9.1';
  for (const type of ['application/json', 'text/plain', 'text/plain; charset=UTF-8']) {
    const r = await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': type, 'user-agent': ua }, payload: '{"ip":"13.107.4.50"}' });
    t.equal(r.statusCode, 200, type);
    t.match(json(r), { IPDestination: 'Microsoft', action: 'keep' }, type);
  }
  const missing = await app.inject({
    method: 'POST',
    url: '/lookup',
    headers: { 'content-type': 'text/plain', 'user-agent': ua },
    payload: '{"ip":"%{[destination][ip]}"}',
  });
  t.equal(missing.statusCode, 200, 'an unresolved field reference is answered 200');
  t.match(json(missing), { input: '%{[destination][ip]}', error: { code: 'NO_ADDRESS' }, action: 'keep' });
  const invalid = await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: '{"ip":"999.1.1.1"}' });
  t.equal(invalid.statusCode, 200);
  t.match(json(invalid), { input: '999.1.1.1', error: { code: 'INVALID_ADDRESS' }, action: 'keep' });
  const event = await app.inject({
    method: 'POST',
    url: '/lookup',
    payload: { winlog: { event_data: { DestinationIp: '13.107.4.50', DestinationPort: '443', Image: 'C:\\x\\y.exe', Initiated: 'true', Protocol: 'tcp' } } },
  });
  t.match(
    json(event),
    { IPDestination: 'Microsoft', port: 443, service: 'https', process: 'C:\\x\\y.exe', direction: 'outbound' },
    'an event is judged with its port and image',
  );
  const notObject = await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: '"13.107.4.50"' });
  t.equal(notObject.statusCode, 400);
  t.equal(json(notObject).error.code, 'BAD_REQUEST');
});

t.test('POST /lookup/batch', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'POST', url: '/lookup/batch', payload: { ips: ['13.107.4.50', 'nope', 42, '2001:db8::1', null] } });
  t.equal(r.statusCode, 200);
  const { results } = json(r);
  t.equal(results.length, 5);
  t.match(results[0], { IPDestination: 'Microsoft' });
  t.match(results[1], { input: 'nope', error: { code: 'INVALID_ADDRESS' } });
  t.match(results[2], { input: '42', error: { code: 'INVALID_ADDRESS' } });
  t.match(results[3], { label: 'documentation' });
  t.match(results[4], { error: { code: 'INVALID_ADDRESS' } });
  const shape = await app.inject({ method: 'POST', url: '/lookup/batch', payload: { addresses: [] } });
  t.equal(shape.statusCode, 400);
  t.equal(json(shape).error.code, 'BAD_REQUEST');
});

t.test('batch limit: 413', async (t) => {
  const { app } = await testApp({ config: 'server: { batchLimit: 3 }\n' });
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'POST', url: '/lookup/batch', payload: { ips: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] } });
  t.equal(r.statusCode, 413);
  t.equal(json(r).error.code, 'BATCH_TOO_LARGE');
  const nd = await app.inject({
    method: 'POST',
    url: '/enrich/batch',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: '{"ip":"1.1.1.1"}\n'.repeat(4),
  });
  t.equal(nd.statusCode, 413);
  const arr = await app.inject({ method: 'POST', url: '/enrich/batch', payload: [{}, {}, {}, {}] });
  t.equal(arr.statusCode, 413);
});

t.test('POST /enrich', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'POST', url: '/enrich', payload: { b: 1, destination: { ip: '198.51.100.7', port: 22 }, a: [1] } });
  t.equal(r.statusCode, 200);
  const body = json(r);
  t.same(Object.keys(body), ['b', 'destination', 'a', 'IPDestination', 'ipdest'], 'key order kept, additions at the end');
  t.match(body, { IPDestination: 'Mine', ipdest: { service: 'ssh', port: 22, direction: 'outbound' } });
  const noAddr = await app.inject({ method: 'POST', url: '/enrich', payload: { foo: 'bar' } });
  t.equal(noAddr.statusCode, 200);
  t.match(json(noAddr), { foo: 'bar', ipdest: { error: { code: 'NO_ADDRESS' }, action: 'keep' } });
  const arr = await app.inject({ method: 'POST', url: '/enrich', payload: [1, 2] });
  t.equal(arr.statusCode, 400);
});

t.test('POST /enrich/batch: JSON array and NDJSON, order kept, bad elements in place, ?dropped=omit', async (t) => {
  const { app } = await testApp({
    config: `lists:
  - { name: mine, tag: Mine, format: text, path: mine.txt }
rules:
  list:
    - { name: drop-mine, action: drop, tags: [Mine] }
`,
  });
  t.teardown(() => app.close());
  const events = [{ ip: '198.51.100.1' }, 'text', { ip: '10.0.0.1' }, [1], { ip: '8.8.8.8' }];
  const arr = await app.inject({ method: 'POST', url: '/enrich/batch', payload: events });
  t.equal(arr.statusCode, 200);
  t.match(arr.headers['content-type'], /application\/json/);
  const out = json(arr);
  t.equal(out.length, 5);
  t.match(out[0], { IPDestination: 'Mine', ipdest: { action: 'drop', rule: 'drop-mine' } });
  t.match(out[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 2 } } });
  t.match(out[2], { IPDestination: 'Private' });
  t.match(out[3], { ipdest: { error: { code: 'INVALID_EVENT', line: 4 } } });
  const omitted = json(await app.inject({ method: 'POST', url: '/enrich/batch?dropped=omit', payload: events }));
  t.equal(omitted.length, 4, 'the dropped event is left out');

  const ndjson = ['{"ip":"198.51.100.1"}', '{"ip":', '', '{"ip":"10.0.0.1"}', '[]', '{"ip":"8.8.8.8"}'].join('\n') + '\n';
  const nd = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
  t.equal(nd.statusCode, 200);
  t.match(nd.headers['content-type'], /application\/x-ndjson/);
  const lines = nd.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 5, 'blank lines skipped, every other line answered');
  t.match(lines[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 2 } } });
  t.match(lines[3], { ipdest: { error: { code: 'INVALID_EVENT', line: 5 } } });
  const ndOmit = await app.inject({ method: 'POST', url: '/enrich/batch?dropped=omit', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
  t.equal(ndOmit.body.trim().split('\n').length, 4);
  // Each NDJSON line comes back as sent, the additions spliced in: a 64-bit record id, spacing,
  // escapes and a CRLF line end do not pass through a second serialisation.
  const sent = '{ "record_id": 18446744073709551615, "s": "caf\\u00e9", "destination": { "ip": "198.51.100.1" } }';
  const kept = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: `${sent}\r\n` });
  t.equal(kept.body.slice(0, sent.length - 1), sent.slice(0, -1), 'the line up to its closing brace, unchanged');
  t.match(JSON.parse(kept.body), { s: 'café', IPDestination: 'Mine' });
  t.equal(kept.body.split('\n').length, 2, 'one line out, ending in a newline');
  const badQuery = await app.inject({ method: 'POST', url: '/enrich/batch?dropped=maybe', payload: [] });
  t.equal(badQuery.statusCode, 400);
  t.same(JSON.parse(badQuery.body), { error: { code: 'BAD_REQUEST', message: '?dropped= must be one of keep, omit' } }, 'the allowed values are named');
  const notArray = await app.inject({ method: 'POST', url: '/enrich/batch', payload: { ip: '1.1.1.1' } });
  t.equal(notArray.statusCode, 400);
});

t.test('GET /lists, /healthz, /readyz, /metrics, /docs', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const lists = json(await app.inject({ method: 'GET', url: '/lists' })).lists;
  t.match(lists[0], {
    name: 'azure',
    tag: 'Microsoft',
    format: 'azure-service-tags',
    version: '300',
    state: 'loaded',
    prefixes: { v4: 3, v6: 1 },
    warnings: [],
    error: null,
  });
  t.ok(Date.parse(lists[0].loadedAt) > 0, 'loadedAt is a date');
  t.match(lists[2], { name: 'mine', version: /^sha256:/ }, 'a text list is versioned by content hash');
  t.match(lists.at(-1), { name: 'multicast', format: 'builtin', state: 'builtin' });
  t.same(json(await app.inject({ method: 'GET', url: '/healthz' })), { status: 'ok' });
  t.match(json(await app.inject({ method: 'GET', url: '/readyz' })), { status: 'ready' });
  await app.inject({ method: 'GET', url: '/lookup/13.107.4.50' });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /ipdest_http_requests_total\{route="\/lookup\/:ip",method="GET",status="200"\} 1/);
  t.match(metrics.body, /ipdest_lookups_total\{tag="Microsoft"\} 1/);
  t.match(metrics.body, /ipdest_list_prefixes\{list="azure",family="ipv4"\} 3/);
  t.match(metrics.body, /ipdest_list_age_seconds\{list="azure"\}/);
  t.match(metrics.body, /ipdest_reloads_total\{result="ok"\} 1/);
  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  const spec = json(docs);
  t.equal(spec.openapi.slice(0, 2), '3.');
  for (const p of ['/lookup/{ip}', '/lookup', '/lookup/batch', '/enrich', '/enrich/batch', '/lists', '/healthz', '/readyz'])
    t.ok(spec.paths[p], `OpenAPI has ${p}`);
  const ui = await app.inject({ method: 'GET', url: '/docs' });
  t.ok(ui.statusCode === 200 || ui.statusCode === 302, 'the UI is served');
  const asset = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
  t.equal(asset.statusCode, 200, 'UI assets are served locally (works offline)');
});

t.test('readiness before the first load', async (t) => {
  const { app, state } = await defaultsApp();
  t.teardown(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 503);
  t.equal(json(r).error.code, 'NOT_READY');
  t.equal((await app.inject({ method: 'GET', url: '/lookup/1.1.1.1' })).statusCode, 503);
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  await state.reload('test');
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

t.test('POST /admin/reload: 404 without a configured token, 401 with a wrong one', async (t) => {
  const off = await testApp();
  t.teardown(() => off.app.close());
  t.equal((await off.app.inject({ method: 'POST', url: '/admin/reload' })).statusCode, 404);
  const on = await testApp({ token: true });
  t.teardown(() => on.app.close());
  for (const auth of [undefined, 'Bearer nope', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
    const r = await on.app.inject({ method: 'POST', url: '/admin/reload', headers: auth ? { authorization: auth } : {} });
    t.equal(r.statusCode, 401, String(auth));
    t.equal(json(r).error.code, 'UNAUTHORIZED');
  }
  const ok = await on.app.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(ok.statusCode, 200);
  t.ok(Array.isArray(json(ok).lists));
});

t.test('errors: one shape, never a 500 for what a client sent', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const cases: Array<{ why: string; req: InjectOptions; status: number; code: string }> = [
    {
      why: 'bad JSON',
      req: { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: '{"ip": ' },
      status: 400,
      code: 'BAD_JSON',
    },
    {
      why: 'empty body',
      req: { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: '' },
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      why: 'empty event',
      req: { method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: ' ' },
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      why: 'unsupported type',
      req: { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/xml' }, payload: '<ip/>' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      why: 'NDJSON where JSON is expected',
      req: { method: 'POST', url: '/lookup', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"ip":"1.1.1.1"}\n' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      why: 'body over the limit',
      req: { method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(4_300_000)}"}` },
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    { why: 'unknown route', req: { method: 'GET', url: '/nope' }, status: 404, code: 'NOT_FOUND' },
    { why: 'broken percent-encoding', req: { method: 'GET', url: '/lookup/%zz' }, status: 400, code: 'BAD_REQUEST' },
    { why: 'empty key', req: { method: 'GET', url: '/lookup/' }, status: 400, code: 'INVALID_ADDRESS' },
    { why: 'wrong method', req: { method: 'DELETE', url: '/lookup' }, status: 404, code: 'NOT_FOUND' },
  ];
  for (const c of cases) {
    const r = await app.inject(c.req as any);
    t.equal(r.statusCode, c.status, c.why);
    t.match(json(r), { error: { code: c.code, message: String } }, c.why);
  }
});

t.test('hostile bodies: prototype keys, deep nesting, invalid UTF-8, huge strings', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const proto = await app.inject({
    method: 'POST',
    url: '/enrich',
    headers: { 'content-type': 'application/json' },
    payload: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}},"ip":"10.0.0.1"}',
  });
  t.equal(proto.statusCode, 200);
  t.equal(({} as any).polluted, undefined, 'no prototype pollution');
  t.match(json(proto), { IPDestination: 'Private' });
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  for (const url of ['/lookup', '/enrich', '/enrich/batch']) {
    const r = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: deep });
    t.ok(r.statusCode < 500, `${url}: deep array → ${r.statusCode}`);
  }
  const deepObj = `{"ip":"10.0.0.1","x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
  const r1 = await app.inject({ method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: deepObj });
  t.ok(r1.statusCode < 500, `deep object /enrich → ${r1.statusCode}`);
  const r2 = await app.inject({
    method: 'POST',
    url: '/enrich/batch',
    headers: { 'content-type': 'application/json' },
    payload: `[${deepObj},{"ip":"10.0.0.2"}]`,
  });
  t.equal(r2.statusCode, 200, 'a batch with one unserialisable event still answers');
  t.match(json(r2)[1], { IPDestination: 'Private' });
  const nd = await app.inject({
    method: 'POST',
    url: '/enrich/batch',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: `${deepObj}\n{"ip":"10.0.0.2"}\n`,
  });
  t.equal(nd.statusCode, 200);
  t.match(JSON.parse(nd.body.trim().split('\n')[1]!), { IPDestination: 'Private' });
  const utf8 = Buffer.concat([Buffer.from('{"ip":"10.0.0.1","x":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);
  const r3 = await app.inject({ method: 'POST', url: '/enrich', headers: { 'content-type': 'application/json' }, payload: utf8 });
  t.equal(r3.statusCode, 200, 'invalid UTF-8 is read as replacement characters');
  const huge = await app.inject({
    method: 'POST',
    url: '/lookup',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ ip: '1'.repeat(900_000) }),
  });
  t.equal(huge.statusCode, 200);
  t.match(json(huge), { error: { code: 'INVALID_ADDRESS' } });
  const hugeKey = await app.inject({ method: 'GET', url: `/lookup/${'a'.repeat(5000)}` });
  t.ok(hugeKey.statusCode >= 400 && hugeKey.statusCode < 500, `huge GET key → ${hugeKey.statusCode}`);
});
