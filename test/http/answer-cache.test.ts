// POST /lookup/batch through the answer cache: the same answers as one by one, counted in /metrics, none kept across a reload.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testApp } from '../helpers/app.js';

const json = (r: { body: string }) => JSON.parse(r.body);

function counter(metrics: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : NaN;
}

t.test('a batch with repeats: one-by-one answers, cache hits counted, a reload serves the new lists', async (t) => {
  const { app, state, dir } = await testApp();
  t.teardown(() => app.close());
  const ips = ['13.107.4.50', '198.51.100.1', '13.107.4.50', '8.8.8.8', '198.51.100.1', 'bad', 'bad', '2603:1000::5'];
  const batch = await app.inject({ method: 'POST', url: '/lookup/batch', payload: { ips } });
  t.equal(batch.statusCode, 200);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(counter(metrics, 'ipdest_answer_cache_hits_total'), 3, 'three repeats answered from the cache');
  t.equal(counter(metrics, 'ipdest_answer_cache_misses_total'), 5);
  t.match(metrics, /ipdest_lookups_total\{tag="Mine"\} 2/, 'cached answers are counted as lookups too');
  t.match(metrics, /ipdest_lookups_total\{tag="INVALID_ADDRESS"\} 2/);
  t.equal(batch.body, `{"results":[${ips.map((ip) => JSON.stringify(state.enricher.lookup(ip))).join(',')}]}`, 'the one-by-one answers');
  const get = await app.inject({ method: 'GET', url: '/lookup/13.107.4.50' });
  t.same(json(get), json(batch).results[0], 'GET /lookup/:ip: the same answer');

  // The list changes: the cached answer for 198.51.100.1 must not be served.
  writeFileSync(join(dir, 'mine.txt'), '203.0.113.0/24\n');
  await state.reload('test');
  const again = json(await app.inject({ method: 'POST', url: '/lookup/batch', payload: { ips: ['198.51.100.1', '203.0.113.5'] } })).results;
  t.equal(again[0].label, 'documentation', 'the answer from the new lists');
  t.equal(again[1].label, 'Mine');
});

t.test('a batch with non-string elements keeps its answers in order', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const r = json(await app.inject({ method: 'POST', url: '/lookup/batch', payload: { ips: ['13.107.4.50', 5, null, '13.107.4.50'] } })).results;
  t.equal(r[0].label, 'Microsoft');
  t.match(r[1], { input: '5', error: { code: 'INVALID_ADDRESS', message: 'ips[1] is a number, not an address text' } });
  t.match(r[2], { error: { code: 'INVALID_ADDRESS' } });
  t.same(r[3], r[0]);
});
