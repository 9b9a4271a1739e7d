// The response schemas describe what is really sent: real answers of every route validate against them.
import t from 'tap';
import { Ajv } from 'ajv';
import { ALL_SCHEMAS } from '../../src/http/schemas.js';
import { testApp, TOKEN } from '../helpers/app.js';

const ajv = new Ajv({ allErrors: true, strict: false });
for (const s of ALL_SCHEMAS) ajv.addSchema(s);

function valid(t: { ok(v: unknown, m: string): void }, id: string, body: string, why: string): void {
  const check = ajv.getSchema(`${id}#`)!;
  const ok = check(JSON.parse(body));
  t.ok(ok, `${why}: ${ok ? '' : ajv.errorsText(check.errors)}`);
}

t.test('lookup results, batches, errors and lists match their schemas', async (t) => {
  const { app } = await testApp({
    token: true,
    config: `
lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: azure-tags-*.json }
  - { name: mine, tag: Mine, format: text, path: mine.txt }
  - { name: gone, tag: Gone, format: text, path: no-such-file.txt }
rules: { list: [{ name: drop-private, action: drop, tags: [Private] }] }
`,
  });
  t.teardown(() => app.close());
  const json = { 'content-type': 'application/json' };
  for (const ip of ['13.107.4.50', '10.1.2.3', '8.8.8.8', '2001:db8::1', '::ffff:10.0.0.1', 'fe80::1%eth0']) {
    valid(t, 'LookupResult', (await app.inject({ method: 'GET', url: `/lookup/${encodeURIComponent(ip)}` })).body, `GET /lookup/${ip}`);
  }
  valid(t, 'Error', (await app.inject({ method: 'GET', url: '/lookup/010.0.0.1' })).body, 'GET /lookup invalid');
  const bodies = [
    { ip: '13.107.4.50' },
    { ip: 'nope' },
    { ip: 42 },
    { ip: '%{[destination][ip]}' },
    {},
    { winlog: { event_data: { DestinationIp: '13.107.4.50', DestinationPort: '443', Image: 'C:\\x.exe', Protocol: 'tcp', Initiated: 'true' } } },
    { message: 'IN= OUT=eth0 SRC=10.0.0.2 DST=10.0.0.9 PROTO=UDP SPT=5 DPT=53' },
  ];
  for (const b of bodies)
    valid(
      t,
      'LookupResult',
      (await app.inject({ method: 'POST', url: '/lookup', headers: json, payload: JSON.stringify(b) })).body,
      `POST /lookup ${JSON.stringify(b)}`,
    );
  valid(
    t,
    'LookupResults',
    (await app.inject({ method: 'POST', url: '/lookup/batch', headers: json, payload: JSON.stringify({ ips: ['13.107.4.50', 'x', null, [], '10.0.0.1'] }) }))
      .body,
    'POST /lookup/batch',
  );
  valid(t, 'Lists', (await app.inject({ method: 'GET', url: '/lists' })).body, 'GET /lists');
  valid(t, 'Lists', (await app.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: `Bearer ${TOKEN}` } })).body, 'POST /admin/reload');
  valid(t, 'AuditReport', (await app.inject({ method: 'GET', url: '/audit' })).body, 'GET /audit');
  for (const [payload, type] of [
    ['{', 'application/json'],
    ['x', 'application/xml'],
    ['[1]', 'application/json'],
  ] as const) {
    const r = await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': type }, payload });
    t.ok(r.statusCode >= 400);
    valid(t, 'Error', r.body, `POST /lookup ${type} ${payload}`);
  }
});

t.test('the schemas catch drift: an extra or missing field fails', async (t) => {
  const check = ajv.getSchema('LookupResult#')!;
  const good = {
    input: '8.8.8.8',
    ip: '8.8.8.8',
    version: 4,
    mapped: false,
    IPDestination: null,
    label: 'Unlisted',
    tags: [],
    matches: [],
    scope: 'global',
    external: true,
    action: 'keep',
  };
  t.ok(check(good));
  t.notOk(check({ ...good, surprise: 1 }), 'an undocumented field');
  t.notOk(check({ ...good, error: { code: 'NO_ADDRESS', message: 'x' } }), 'both a result and an error');
  const { label: _label, ...noLabel } = good;
  t.notOk(check(noLabel), 'a missing label');
});
