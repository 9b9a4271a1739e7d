// Owners over HTTP: the real server on port 0 answers `owner` on every lookup route and names the layer's sources in /lists.
import t from 'tap';
import { BASE_CONFIG, listen, testApp } from '../helpers/app.js';

const OWNER_FILES = {
  'asn.csv': '13.64.0.0,13.107.255.255,8075,Microsoft Corporation\n8.8.8.0,8.8.8.255,15169,Google LLC\n',
  'cc.csv': '13.0.0.0,13.255.255.255,US\n8.8.8.0,8.8.8.255,US\n',
};
const CONFIG = `${BASE_CONFIG}\nowners: { asn: [asn.csv], country: [cc.csv] }\n`;

t.test('every lookup route answers owner; /lists names the owner layer', async (t) => {
  const { app } = await testApp({ config: CONFIG, files: OWNER_FILES, owners: true });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${await listen(app)}`;
  const microsoft = { asn: 8075, org: 'Microsoft Corporation', country: 'US' };
  const get = (await (await fetch(`${base}/lookup/13.107.4.50`)).json()) as { IPDestination: string; owner: unknown };
  t.equal(get.IPDestination, 'Microsoft');
  t.same(get.owner, microsoft, 'GET /lookup/:ip');
  const post = await fetch(`${base}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ip: '8.8.8.8' }) });
  t.same(((await post.json()) as { owner: unknown }).owner, { asn: 15169, org: 'Google LLC', country: 'US' }, 'POST /lookup (the fast path)');
  const batch = await fetch(`${base}/lookup/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ips: ['13.107.4.50', '10.0.0.1', '9.9.9.9'] }),
  });
  const results = ((await batch.json()) as { results: Array<{ owner?: unknown }> }).results;
  t.same(results[0]!.owner, microsoft, 'batch: owned');
  t.notOk('owner' in results[1]!, 'batch: a private address has no owner');
  t.notOk('owner' in results[2]!, 'batch: a global address no row holds has none');
  const enriched = await fetch(`${base}/enrich`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ destination: { ip: '13.107.4.50' } }),
  });
  t.same(((await enriched.json()) as { ipdest: { owner: unknown } }).ipdest.owner, microsoft, 'POST /enrich details');
  const lists = (await (await fetch(`${base}/lists`)).json()) as { owners: { state: string; prefixes: { v4: number }; sources: Array<{ ranges: number }> } };
  t.equal(lists.owners.state, 'loaded');
  t.ok(lists.owners.prefixes.v4 > 0);
  t.equal(lists.owners.sources[0]!.ranges, 4, 'the rows read, counted');
});

t.test('a broken owner file: results carry no owner, everything else answers, /lists says why', async (t) => {
  const { app } = await testApp({ config: CONFIG, files: { ...OWNER_FILES, 'asn.csv': '13.64.0.0,13.107.255.255,AS8075,x\n' }, owners: true });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${await listen(app)}`;
  const r = (await (await fetch(`${base}/lookup/13.107.4.50`)).json()) as { IPDestination: string; owner?: unknown };
  t.equal(r.IPDestination, 'Microsoft');
  t.notOk('owner' in r);
  const lists = (await (await fetch(`${base}/lists`)).json()) as { owners: { state: string; error: string } };
  t.equal(lists.owners.state, 'failed');
  t.match(lists.owners.error, /asn\.csv:1: .*invalid AS number "AS8075"/);
});

t.test('a threat list over HTTP: threat in the answer, counted in /metrics, the tag stays the provider’s', async (t) => {
  const config = `${BASE_CONFIG}  - { name: feodo, tag: Threat, kind: threat, format: netset, path: feodo.txt }\n`;
  const { app } = await testApp({ config, files: { 'feodo.txt': '# Feodo\n13.107.4.50\n10.0.0.1\n' } });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${await listen(app)}`;
  const r = (await (await fetch(`${base}/lookup/13.107.4.50`)).json()) as { IPDestination: string; threat: unknown };
  t.equal(r.IPDestination, 'Microsoft');
  t.same(r.threat, [{ list: 'feodo', prefix: '13.107.4.50/32' }]);
  const post = await fetch(`${base}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ip: '13.107.4.50' }) });
  t.same(((await post.json()) as { threat: unknown }).threat, [{ list: 'feodo', prefix: '13.107.4.50/32' }], 'the fast path too');
  const lists = (await (await fetch(`${base}/lists`)).json()) as { lists: Array<{ name: string; warnings: string[] }> };
  t.match(lists.lists.find((l) => l.name === 'feodo')!.warnings.join(' '), /1 entry inside special-purpose ranges left out .*10\.0\.0\.1\/32/);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /ipdest_threat_answers_total 2/);
});
