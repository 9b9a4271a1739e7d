// The real server on 127.0.0.1:0: keep-alive, reloads (bad list, new list, under load, file change), real events.
import t from 'tap';
import http from 'node:http';
import { readFileSync, readdirSync, writeFileSync, copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { listen, testApp, TOKEN } from '../helpers/app.js';
import { dataPath, sharedData, FIXTURES } from '../helpers/shared-data.js';

interface Res {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test("1,000 requests on one keep-alive connection, as Logstash's pool sends them", async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  let connections = 0;
  app.server.on('connection', () => {
    connections++;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  let ok = 0;
  for (let i = 0; i < 1000; i++) {
    const ip = i % 2 ? '13.107.4.50' : '%{[destination][ip]}';
    const r = await request(port, 'POST', '/lookup', JSON.stringify({ ip }), { 'content-type': 'text/plain', 'user-agent': 'Manticore 0.9.1' }, agent);
    if (r.status === 200 && JSON.parse(r.body).action === 'keep') ok++;
  }
  t.equal(ok, 1000, 'every request answered 200');
  t.equal(connections, 1, 'one TCP connection for all of them');
});

t.test('reload: a malformed list keeps its last good version; a new valid one replaces it', async (t) => {
  const { app, dir } = await testApp({ token: true });
  t.teardown(() => app.close());
  const port = await listen(app);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const lookup = async (ip: string) => JSON.parse((await request(port, 'GET', `/lookup/${ip}`)).body);
  t.equal((await lookup('198.51.100.7')).IPDestination, 'Mine');

  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n\n# oops\n203.0.113.0/33\n');
  const bad = await request(port, 'POST', '/admin/reload', undefined, auth);
  t.equal(bad.status, 422, 'a failed list answers 422');
  const mine = JSON.parse(bad.body).lists.find((l: any) => l.name === 'mine');
  t.match(mine, { state: 'failed', prefixes: { v4: 1 }, error: { line: 4, text: '203.0.113.0/33', message: /mine\.txt:4/ } });
  t.equal((await lookup('198.51.100.7')).IPDestination, 'Mine', 'the old version still answers');
  t.equal((await lookup('203.0.113.5')).IPDestination, null);
  const lists = JSON.parse((await request(port, 'GET', '/lists')).body).lists;
  t.match(
    lists.find((l: any) => l.name === 'mine'),
    { state: 'failed', error: { line: 4 } },
    '/lists shows the error',
  );
  const metrics = (await request(port, 'GET', '/metrics')).body;
  t.match(metrics, /ipdest_reloads_total\{result="failed"\} 1/);
  t.match(metrics, /ipdest_list_failed\{list="mine",state="failed"\} 1/);

  writeFileSync(join(dir, 'mine.txt'), '203.0.113.0/24\n');
  const good = await request(port, 'POST', '/admin/reload', undefined, auth);
  t.equal(good.status, 200);
  t.equal((await lookup('203.0.113.5')).IPDestination, 'Mine', 'the new version answers');
  t.equal((await lookup('198.51.100.7')).IPDestination, null, 'and the old prefixes are gone');

  // A newer dated file matching the glob is picked up too.
  copyFileSync(join(FIXTURES, 'lists', 'azure-tags-20250113.json'), join(dir, 'azure-tags-20250113.json'));
  await request(port, 'POST', '/admin/reload', undefined, auth);
  const azure = JSON.parse((await request(port, 'GET', '/lists')).body).lists[0];
  t.match(azure, { version: '301', source: 'file', file: /azure-tags-20250113\.json$/ });
  t.equal((await lookup('13.65.1.1')).IPDestination, 'Microsoft');
});

t.test('reloads while requests run: none fails', async (t) => {
  const { app, dir, state } = await testApp();
  t.teardown(() => app.close());
  const port = await listen(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => agent.destroy());
  let done = false;
  let answered = 0;
  let failed = 0;
  const worker = async () => {
    while (!done) {
      const r = await request(port, 'POST', '/lookup', '{"ip":"198.51.100.9"}', {}, agent);
      const tag = r.status === 200 ? JSON.parse(r.body).IPDestination : undefined;
      if (r.status === 200 && (tag === 'Mine' || tag === null)) answered++;
      else failed++;
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let i = 0; i < 30; i++) {
    // Alternate the list's content so every reload really rebuilds the tables.
    writeFileSync(join(dir, 'mine.txt'), i % 2 ? '198.51.100.0/24\n' : '192.0.2.0/24\n');
    utimesSync(join(dir, 'mine.txt'), new Date(), new Date(Date.now() + i * 1000));
    await state.reload('test');
  }
  done = true;
  await Promise.all(workers);
  t.equal(failed, 0, 'no request failed');
  t.ok(answered > 30, `${answered} requests answered during 30 reloads`);
});

t.test('a list file that changes on disk is reloaded (debounced watch)', async (t) => {
  const { app, dir, state } = await testApp();
  t.teardown(() => {
    state.close();
    return app.close();
  });
  state.watchFiles(50);
  writeFileSync(join(dir, 'mine.txt'), '192.0.2.0/24\n');
  const deadline = Date.now() + 5000;
  let tag: string | null = null;
  while (Date.now() < deadline) {
    tag = JSON.parse((await app.inject({ method: 'GET', url: '/lookup/192.0.2.10' })).body).IPDestination;
    if (tag === 'Mine') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(tag, 'Mine');
});

const REAL_CONFIG = (data: string) => `server: { bodyLimit: 8388608 }
lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: ${data}/azure/ServiceTags_Public_*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: ${data}/microsoft/msft-public-ips.csv }
  - { name: aws, tag: AWS, format: aws-ip-ranges, path: ${data}/aws/ip-ranges.json }
`;

t.test('real Sysmon events and iptables lines through /enrich and both /enrich/batch forms', sharedData('sysmon'), async (t) => {
  const { app } = await testApp({ config: REAL_CONFIG(dataPath()) });
  t.teardown(() => app.close());
  const port = await listen(app);
  const events: string[] = [];
  for (const f of readdirSync(dataPath('sysmon')).filter((f) => f.includes('eid3')))
    events.push(
      ...readFileSync(dataPath('sysmon', f), 'utf8')
        .split('\n')
        .filter((l) => l.trim()),
    );
  for (const f of readdirSync(dataPath('iptables')))
    events.push(
      ...readFileSync(dataPath('iptables', f), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((message) => JSON.stringify({ message })),
    );
  // One by one (a sample, to keep it quick), then all as a JSON array and as NDJSON.
  const single: any[] = [];
  for (let i = 0; i < events.length; i += 25) {
    const r = await request(port, 'POST', '/enrich', events[i]);
    t.equal(r.status, 200);
    single.push(JSON.parse(r.body));
  }
  const arr = await request(port, 'POST', '/enrich/batch', `[${events.join(',')}]`);
  t.equal(arr.status, 200);
  const arrOut = JSON.parse(arr.body);
  const nd = await request(port, 'POST', '/enrich/batch', events.join('\n') + '\n', { 'content-type': 'application/x-ndjson' });
  t.equal(nd.status, 200);
  const ndOut = nd.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(arrOut.length, events.length, 'array: one out per event');
  t.equal(ndOut.length, events.length, 'NDJSON: one out per line');
  t.same(ndOut, arrOut, 'both forms agree');
  t.same(
    single,
    arrOut.filter((_: unknown, i: number) => i % 25 === 0),
    '/enrich agrees with the batch',
  );
  const tags = new Set(arrOut.map((e: any) => e.IPDestination).filter(Boolean));
  t.ok(tags.has('Microsoft') && tags.has('AWS') && tags.has('Private'), `tags seen: ${[...tags].join(', ')}`);
  const noAddress = arrOut.filter((e: any) => e.ipdest.error?.code === 'NO_ADDRESS').length;
  t.equal(noAddress, 1, 'only the sshd line has no address');
  t.notOk(
    arrOut.some((e: any) => e.ipdest.error?.code === 'INVALID_ADDRESS'),
    'every address parses',
  );
});
