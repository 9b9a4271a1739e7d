// Hostile bodies: every POST route × media type × nesting depth × JSON type in every address field — never a 5xx.
import t from 'tap';
import http from 'node:http';
import { BASE_CONFIG, defaultsApp, listen, testApp } from '../helpers/app.js';

// These tests send bodies that take the event loop seconds on a busy machine; the overload guard
// (tested on its own below and in overload.test.ts) would answer 503 and hide what they look at.
const CALM = `${BASE_CONFIG}server: { maxEventLoopDelay: 60000 }\n`;

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

// Every JSON type an address field can hold, and values nested deeply enough to break recursion.
const VALUES: Array<[string, string]> = [
  ['bad text', '"not an address"'],
  ['number', '42'],
  ['big number', '123456789012345678901234567890'],
  ['true', 'true'],
  ['null', 'null'],
  ['empty array', '[]'],
  ['array of address', '["8.8.8.8"]'],
  ['object', '{"ip":"8.8.8.8"}'],
  ...[1_000, 10_000, 100_000].flatMap((n): Array<[string, string]> => [
    [`array ${n} deep`, deepArray(n)],
    [`object ${n} deep`, deepObject(n)],
  ]),
];

// Each address field of the default shapes, as an event holding `v` there.
const EVENTS: Array<[string, (v: string) => string]> = [
  ['ip', (v) => `{"ip":${v}}`],
  ['destination.ip', (v) => `{"destination":{"ip":${v},"port":443}}`],
  ['flattened destination.ip', (v) => `{"destination.ip":${v}}`],
  ['winlog.event_data.DestinationIp', (v) => `{"winlog":{"event_data":{"DestinationIp":${v},"Image":${v},"DestinationPort":${v}}}}`],
  ['Sysmon inbound SourceIp', (v) => `{"DestinationIp":"10.0.0.1","Initiated":"false","SourceIp":${v}}`],
  ['dst_addr', (v) => `{"dst_addr":${v},"dst_port":${v},"process_uuid":${v}}`],
  ['remote_address', (v) => `{"remote_address":${v}}`],
  ['message', (v) => `{"message":${v}}`],
  ['IPDestination', (v) => `{"IPDestination":${v},"ipdest":${v},"tags":${v},"ip":"8.8.8.8"}`],
];

interface Case {
  route: string;
  type: string;
  body: string;
  why: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [vname, v] of VALUES) {
    for (const [ename, ev] of EVENTS) {
      const event = ev(v);
      const why = `${ename} = ${vname}`;
      for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        out.push({ route: '/lookup', type, body: event, why });
        out.push({ route: '/enrich', type, body: event, why });
        out.push({ route: '/enrich/batch', type, body: `[${event},${v}]`, why });
      }
      out.push({ route: '/enrich/batch', type: 'application/x-ndjson', body: `${event}\n${v}\n`, why });
    }
    out.push({ route: '/lookup/batch', type: 'application/json', body: `{"ips":[${v},"8.8.8.8",${v}]}`, why: `ips[] = ${vname}` });
    out.push({ route: '/lookup/batch', type: 'application/json', body: `{"ips":${v}}`, why: `ips = ${vname}` });
    // The body itself nested deeply.
    out.push({ route: '/lookup', type: 'application/json', body: v, why: `body = ${vname}` });
    out.push({ route: '/enrich', type: 'application/json', body: v, why: `body = ${vname}` });
  }
  return out;
}

/** The one error shape: exactly {"error": {"code", "message"}} with strings. */
function isErrorShape(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Object.keys(v).join() !== 'error') return false;
  const e = (v as { error: Record<string, unknown> }).error;
  return Object.keys(e).sort().join() === 'code,message' && typeof e.code === 'string' && typeof e.message === 'string';
}

t.test('app.inject: never a 5xx; 4xx in the one error shape; 200 is JSON', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  let n = 0;
  for (const c of cases()) {
    const r = await app.inject({ method: 'POST', url: c.route, headers: { 'content-type': c.type }, payload: c.body });
    n++;
    const where = `${c.route} ${c.type} ${c.why}: ${r.statusCode} ${r.body.slice(0, 200)}`;
    if (r.statusCode >= 500) {
      t.fail(where);
      continue;
    }
    let parsed: unknown;
    try {
      parsed =
        c.type === 'application/x-ndjson' && r.statusCode === 200
          ? r.body
              .trimEnd()
              .split('\n')
              .map((l) => JSON.parse(l))
          : JSON.parse(r.body);
    } catch {
      t.fail(`not JSON: ${where}`);
      continue;
    }
    if (r.statusCode >= 400 && !isErrorShape(parsed)) t.fail(`not the error shape: ${where}`);
  }
  t.ok(n > 700, `${n} cases`);
});

t.test('non-string addresses are INVALID_ADDRESS naming the JSON type, on every route', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const kinds: Array<[string, string]> = [
    ['42', 'a number'],
    ['true', 'a boolean'],
    ['[]', 'an array'],
    ['{}', 'an object'],
    [deepArray(100_000), 'an array'],
  ];
  for (const [v, kind] of kinds) {
    const one = JSON.parse(
      (await app.inject({ method: 'POST', url: '/lookup', payload: `{"ip":${v}}`, headers: { 'content-type': 'application/json' } })).body,
    );
    t.match(one, { error: { code: 'INVALID_ADDRESS', message: `ip is ${kind}, not an address text` }, action: 'keep' }, `POST /lookup ${kind}`);
    t.notOk('value' in one.error, 'the value is not echoed');
    const enr = JSON.parse(
      (await app.inject({ method: 'POST', url: '/enrich', payload: `{"destination":{"ip":${v}}}`, headers: { 'content-type': 'application/json' } })).body,
    );
    t.match(
      enr.ipdest,
      { error: { code: 'INVALID_ADDRESS', field: 'destination.ip', message: `destination.ip is ${kind}, not an address text` } },
      `POST /enrich ${kind}`,
    );
    const batch = JSON.parse(
      (await app.inject({ method: 'POST', url: '/lookup/batch', payload: `{"ips":[${v}]}`, headers: { 'content-type': 'application/json' } })).body,
    );
    t.match(batch.results[0], { error: { code: 'INVALID_ADDRESS', message: `ips[0] is ${kind}, not an address text` } }, `POST /lookup/batch ${kind}`);
  }
});

t.test('the fast path (real HTTP, Content-Length) answers deep bodies as Fastify does', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const port = await listen(app);
  for (const [name, v] of VALUES) {
    const body = `{"ip":${v}}`;
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/lookup',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            data += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const injected = await app.inject({
      method: 'POST',
      url: '/lookup',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      payload: body,
    });
    t.equal(r.status, injected.statusCode, `${name}: same status`);
    t.equal(r.body, injected.body, `${name}: same body`);
    t.ok(r.status < 500, `${name}: ${r.status}`);
  }
  t.ok(app.fastLookup.answered > 0, 'the fast path answered');
});

t.test("curl's default form type: JSON bodies are read as JSON; others named in the error", async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const ok = await app.inject({ method: 'POST', url: '/lookup', headers: form, payload: '{"ip":"10.1.2.3"}' });
  t.equal(ok.statusCode, 200);
  t.match(JSON.parse(ok.body), { ip: '10.1.2.3', IPDestination: 'Private' });
  const notJson = await app.inject({ method: 'POST', url: '/lookup', headers: form, payload: 'ip=10.1.2.3' });
  t.equal(notJson.statusCode, 400);
  t.match(JSON.parse(notJson.body), { error: { code: 'BAD_JSON', message: /application\/x-www-form-urlencoded/ } });
});

t.test('an unresolved Logstash reference is no process, port or protocol', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const body = JSON.stringify({
    destination: { ip: '13.107.4.50', port: '%{[destination][port]}' },
    process: { executable: '%{[process][executable]}' },
    network: { transport: '%{[network][transport]}' },
  });
  const r = JSON.parse((await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: body })).body);
  t.equal(r.IPDestination, 'Microsoft');
  t.notOk('process' in r, 'no process');
  t.notOk('port' in r, 'no port');
  t.notOk('protocol' in r, 'no protocol');
  const real = JSON.parse(
    (
      await app.inject({
        method: 'POST',
        url: '/lookup',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ destination: { ip: '13.107.4.50', port: '443' }, process: { executable: 'C:\\x.exe' } }),
      })
    ).body,
  );
  t.match(real, { process: 'C:\\x.exe', port: 443 }, 'resolved values are read');
});

t.test('NDJSON: blank lines do not count toward batchLimit', async (t) => {
  const { app } = await testApp({ config: `${BASE_CONFIG}server: { batchLimit: 3, maxEventLoopDelay: 60000 }\n` });
  t.teardown(() => app.close());
  const lines = '{"ip":"8.8.8.8"}\n\n   \n\r\n{"ip":"10.0.0.1"}\n\n{"ip":"1.1.1.1"}\n\n\n';
  const r = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: lines });
  t.equal(r.statusCode, 200, '3 events in 10 lines fit a limit of 3');
  t.equal(r.body.trimEnd().split('\n').length, 3);
  const over = await app.inject({
    method: 'POST',
    url: '/enrich/batch',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: lines + '{"ip":"9.9.9.9"}\n',
  });
  t.equal(over.statusCode, 413);
  t.match(JSON.parse(over.body), { error: { code: 'BATCH_TOO_LARGE', message: '4 events; server.batchLimit is 3' } });
});

t.test('a large batch is answered in slices: other requests are served meanwhile', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const port = await listen(app);
  const body = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ ip: `13.107.${i % 256}.${i % 200}`, n: i })).join('\n');
  let batchDone = false;
  let servedDuring = 0;
  const post = (path: string, payload: string, type: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': type } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const batch = post('/enrich/batch', body, 'application/x-ndjson').then((s) => {
    batchDone = true;
    return s;
  });
  // Wait until the server has the batch, then ask small questions while it works.
  await new Promise((r) => setTimeout(r, 5));
  while (!batchDone) {
    const s = await post('/lookup', '{"ip":"8.8.8.8"}', 'application/json');
    if (s === 200 && !batchDone) servedDuring++;
    if (servedDuring > 50) break;
  }
  t.equal(await batch, 200);
  t.ok(servedDuring > 0, `${servedDuring} lookups answered while the batch ran`);
});

t.test('review findings: BOMs, long addresses in the URL, probes while overloaded, ports as text', async (t) => {
  const { app } = await testApp({ config: CALM });
  t.teardown(() => app.close());
  const bom = '\uFEFF';
  const one = await app.inject({ method: 'POST', url: '/lookup', headers: { 'content-type': 'application/json' }, payload: `${bom}{"ip":"10.1.2.3"}` });
  t.match(JSON.parse(one.body), { IPDestination: 'Private' }, 'a JSON body after a byte-order mark');
  const arr = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/json' }, payload: `${bom}[{"ip":"10.1.2.3"}]` });
  t.equal(arr.statusCode, 200, 'a JSON array after a byte-order mark');
  t.match(JSON.parse(arr.body), [{ IPDestination: 'Private' }]);
  const nd = await app.inject({
    method: 'POST',
    url: '/enrich/batch',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: `${bom}{"ip":"10.1.2.3"}\n`,
  });
  t.match(JSON.parse(nd.body), { IPDestination: 'Private' }, 'NDJSON after a byte-order mark');
  const long = await app.inject({ method: 'GET', url: `/lookup/${'1'.repeat(300)}` });
  t.equal(long.statusCode, 400);
  t.match(JSON.parse(long.body), { error: { code: 'INVALID_ADDRESS', message: /longer than 256 characters/ } }, 'a 300-character address: INVALID_ADDRESS');
  for (const port of ['0x1bb', '1e2', ' 443', '443 ', '+443']) {
    const r = JSON.parse(
      (
        await app.inject({
          method: 'POST',
          url: '/lookup',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ destination: { ip: '8.8.8.8', port } }),
        })
      ).body,
    );
    t.notOk('port' in r, `${JSON.stringify(port)} is no port`);
  }
});

t.test('while overloaded, probes and metrics still answer', async (t) => {
  const { app, state } = await defaultsApp({ maxEventLoopDelay: 50, sampleInterval: 50 });
  t.teardown(() => app.close());
  await state.reload('test');
  const until = Date.now() + 300;
  while (Date.now() < until) {
    /* the event loop held */
  }
  await new Promise((r) => setTimeout(r, 0));
  t.equal((await app.inject({ method: 'GET', url: '/lookup/10.0.0.1' })).statusCode, 503, 'a lookup is refused');
  for (const url of ['/healthz', '/readyz', '/metrics']) t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} answers`);
});
