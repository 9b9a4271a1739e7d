// POST /lookup's fast path answers exactly as the Fastify route does, and leaves every other case to Fastify.
import t from 'tap';
import http from 'node:http';
import Fastify from 'fastify';
import { BASE_CONFIG, defaultsApp, listen, testApp } from '../helpers/app.js';
import { FAST_LOOKUP_HOOKS, hookDrift, routeHooks } from '../../src/http/fast-lookup.js';

interface Res {
  status: number;
  body: string;
  type: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** POST /lookup with a Content-Length (the fast path's case) or chunked (Fastify's). */
function post(port: number, body: Buffer, contentType: string | undefined, chunked: boolean): Promise<Res> {
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (!chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/lookup', headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        data += c;
      });
      res.on('end', () => {
        // Every header but the clock's.
        const { date: _date, ...headers } = res.headers;
        resolve({ status: res.statusCode ?? 0, body: data, type: res.headers['content-type'], headers });
      });
    });
    req.on('error', reject);
    if (chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

const ECS_EVENT = {
  '@timestamp': '2025-01-06T10:00:00Z',
  destination: { ip: '13.107.4.50', port: 443 },
  network: { transport: 'tcp', direction: 'egress' },
  process: { executable: 'C:\\Windows\\System32\\svchost.exe' },
};
const SYSMON_EVENT = {
  winlog: {
    event_id: 3,
    event_data: { DestinationIp: '198.51.100.7', DestinationPort: '3389', Protocol: 'tcp', Initiated: 'true', Image: 'C:\\Program Files\\Zoë\\zoë.exe' },
  },
};

const BODIES: Array<[string, Buffer]> = [
  ['a Microsoft address', Buffer.from('{"ip":"13.107.4.50"}')],
  ['a listed address of the user', Buffer.from('{"ip":"198.51.100.7"}')],
  ['a private address', Buffer.from('{"ip":"10.1.2.3"}')],
  ['documentation IPv6 with a zone', Buffer.from('{"ip":"fe80::1%eth0"}')],
  ['an unresolved Logstash reference', Buffer.from('{"ip":"%{[destination][ip]}"}')],
  ['ip a number', Buffer.from('{"ip":5}')],
  ['ip null', Buffer.from('{"ip":null}')],
  ['an empty object', Buffer.from('{}')],
  ['an ECS event', Buffer.from(JSON.stringify(ECS_EVENT))],
  ['a Sysmon event, non-ASCII image', Buffer.from(JSON.stringify(SYSMON_EVENT))],
  ['a prototype-poisoning key', Buffer.from('{"__proto__":{"ip":"1.1.1.1"},"constructor":{"prototype":{}}}')],
  ['an array', Buffer.from('[1]')],
  ['a string', Buffer.from('"13.107.4.50"')],
  ['null', Buffer.from('null')],
  ['blanks', Buffer.from('  \n')],
  ['not JSON', Buffer.from('{bad')],
  ['truncated JSON', Buffer.from('{"ip":"13.107.4.50"')],
  ['invalid UTF-8 in a value', Buffer.concat([Buffer.from('{"ip":"13.107.4.50","x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])],
  ['100k-deep nested objects', Buffer.from('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))],
  ['100k-deep nested arrays', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000))],
  ['a 300 kB address string', Buffer.from(JSON.stringify({ ip: '1'.repeat(300_000) }))],
  ['invalid UTF-8 in the address', Buffer.concat([Buffer.from('{"ip":"13.107.'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
];

const TYPES = ['application/json', 'text/plain', 'application/json; charset=utf-8', 'Text/Plain; charset=UTF-8'];

t.test('every body and media type: the fast path answers what the Fastify route answers', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  let sent = 0;
  for (const [name, body] of BODIES) {
    for (const type of TYPES) {
      const before = app.fastLookup.answered;
      const fast = await post(port, body, type, false);
      t.equal(app.fastLookup.answered, before + 1, `${name} (${type}): taken by the fast path`);
      const routed = await post(port, body, type, true);
      t.equal(app.fastLookup.answered, before + 1, `${name} (${type}): chunked, left to Fastify`);
      t.same(fast, routed, `${name} (${type}): same status, headers and body`);
      t.ok(fast.status === 200 || fast.status === 400, `${name}: answered ${fast.status}`);
      sent++;
    }
  }
  t.equal(sent, BODIES.length * TYPES.length);
});

t.test('the leash: the fast path runs only while it reproduces every hook Fastify runs on POST /lookup', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const tree = app.printRoutes({ includeHooks: true, commonPrefix: false });
  t.same(routeHooks(tree, '/lookup', 'POST'), FAST_LOOKUP_HOOKS, 'today: the same hooks');
  t.notOk(app.fastLookup.disabled, 'so the fast path is on');
  // A hook that only POST /lookup's Fastify route would run: a difference, named.
  const other = Fastify();
  other.addHook('onRequest', function refuseWhenOverloaded(_q, _r, done) {
    done();
  });
  other.addHook('preHandler', function auditEveryRequest(_q, _r, done) {
    done();
  });
  other.post(
    '/lookup',
    {
      onResponse: function recordRouteMetrics(_q, _r, done) {
        done();
      },
    },
    async () => ({}),
  );
  other.get('/lookup/:ip', async () => ({}));
  await other.ready();
  const hooks = routeHooks(other.printRoutes({ includeHooks: true, commonPrefix: false }), '/lookup', 'POST');
  t.same(hooks, { onRequest: ['refuseWhenOverloaded()'], preHandler: ['auditEveryRequest()'], onResponse: ['recordRouteMetrics()'] });
  t.match(hookDrift(hooks, FAST_LOOKUP_HOOKS), /Fastify runs preHandler \["auditEveryRequest\(\)"\] on POST \/lookup, the fast path reproduces \[\]/);
  t.equal(hookDrift(FAST_LOOKUP_HOOKS, FAST_LOOKUP_HOOKS), null);
  await other.close();
});

t.test('the fast path records the route metrics and lookups by tag', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  for (let i = 0; i < 3; i++) await post(port, Buffer.from('{"ip":"198.51.100.9"}'), 'application/json', false);
  await post(port, Buffer.from('{bad'), 'application/json', false);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /ipdest_http_requests_total\{route="\/lookup",method="POST",status="200"\} 3/);
  t.match(metrics, /ipdest_http_requests_total\{route="\/lookup",method="POST",status="400"\} 1/);
  t.match(metrics, /ipdest_lookups_total\{tag="Mine"\} 3/);
  t.match(metrics, /ipdest_http_request_duration_seconds_count\{route="\/lookup"\} 4/);
});

t.test('what the fast path leaves to Fastify is answered as before', async (t) => {
  const { app } = await testApp({ config: 'server: { bodyLimit: 1024 }\nlists: []\n' });
  t.teardown(() => app.close());
  const port = await listen(app);
  const cases: Array<[string, Buffer, string | undefined, number, string]> = [
    ['a body over server.bodyLimit', Buffer.from(JSON.stringify({ ip: '10.0.0.1', pad: 'x'.repeat(2000) })), 'application/json', 413, 'BODY_TOO_LARGE'],
    ['NDJSON', Buffer.from('{"ip":"10.0.0.1"}\n'), 'application/x-ndjson', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an unknown media type', Buffer.from('{"ip":"10.0.0.1"}'), 'application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an empty body', Buffer.alloc(0), 'application/json', 400, 'BAD_REQUEST'],
  ];
  for (const [name, body, type, status, code] of cases) {
    const before = app.fastLookup.answered;
    const r = await post(port, body, type, false);
    t.equal(app.fastLookup.answered, before, `${name}: not taken`);
    t.equal(r.status, status, name);
    t.equal(JSON.parse(r.body).error.code, code, name);
  }
});

t.test('before the lists are loaded: 503 NOT_READY, from Fastify', async (t) => {
  const { app, state } = await defaultsApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  const r = await post(port, Buffer.from('{"ip":"10.0.0.1"}'), 'application/json', false);
  t.equal(r.status, 503);
  t.equal(JSON.parse(r.body).error.code, 'NOT_READY');
  t.equal(app.fastLookup.answered, 0);
  await state.reload('test');
  t.equal((await post(port, Buffer.from('{"ip":"10.0.0.1"}'), 'application/json', false)).status, 200);
  t.equal(app.fastLookup.answered, 1, 'taken once the lists are in service');
});

t.test('overloaded: 503 OVERLOADED, from the overload guard', async (t) => {
  const { app, state } = await defaultsApp({ maxEventLoopDelay: 50, sampleInterval: 50, retryAfter: 7 });
  t.teardown(() => app.close());
  await state.reload('test');
  const port = await listen(app);
  // Hold the loop past the limit; the sampler's overdue timer then sees the delay.
  const until = Date.now() + 300;
  while (Date.now() < until) {
    /* busy */
  }
  await new Promise((r) => setTimeout(r, 0));
  const r = await post(port, Buffer.from('{"ip":"10.0.0.1"}'), 'application/json', false);
  t.equal(r.status, 503);
  t.equal(JSON.parse(r.body).error.code, 'OVERLOADED');
  t.equal(app.fastLookup.answered, 0);
});

for (const [why, server] of [
  ['server.logRequests: every request goes through Fastify, so each is logged', 'logRequests: true'],
  ['server.fastLookup: false turns the fast path off', 'fastLookup: false'],
] as const) {
  t.test(why, async (t) => {
    const { app } = await testApp({ config: `${BASE_CONFIG}\nserver: { ${server} }\n` });
    t.teardown(() => app.close());
    const port = await listen(app);
    const r = await post(port, Buffer.from('{"ip":"198.51.100.7"}'), 'application/json', false);
    t.equal(r.status, 200);
    t.equal(JSON.parse(r.body).IPDestination, 'Mine');
    t.equal(app.fastLookup.answered, 0);
  });
}

t.test('a body in several pieces, and a client gone mid-body: answered, and the server carries on', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  const net = await import('node:net');
  const body = '{"ip":"198.51.100.7","pad":"' + 'x'.repeat(200) + '"}';
  const head = `POST /lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  const answer = await new Promise<string>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (c) => {
      data += c;
    });
    s.on('end', () => resolve(data));
    s.on('error', reject);
    // Three writes with pauses: three chunks at the server.
    s.write(head + body.slice(0, 5));
    setTimeout(() => s.write(body.slice(5, 100)), 20);
    setTimeout(() => s.write(body.slice(100)), 40);
  });
  t.match(answer, /^HTTP\/1\.1 200 /);
  t.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).IPDestination, 'Mine');
  const before = app.fastLookup.answered;
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.write(head + body.slice(0, 10), () =>
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 20),
    );
  });
  await new Promise((r) => setTimeout(r, 50));
  t.equal(app.fastLookup.answered, before, 'nothing answered for the abandoned request');
  const next = await post(port, Buffer.from('{"ip":"10.0.0.1"}'), 'application/json', false);
  t.equal(next.status, 200, 'the next request is answered');
});
