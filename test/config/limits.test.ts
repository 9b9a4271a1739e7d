// The default limits fit together: a real 714-event Sysmon file goes through one /enrich/batch call.
import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { parseConfigText } from '../../src/config/index.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';
import { testApp } from '../helpers/app.js';

const FILE = 'winlogbeat6-eid3.ndjson';
const defaults = parseConfigText('', 'x.yaml').server;

t.test(`sysmon/${FILE} fits the default bodyLimit and batchLimit, with headroom`, sharedData('sysmon', FILE), async (t) => {
  const text = readFileSync(dataPath('sysmon', FILE), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim());
  const ndjsonBytes = statSync(dataPath('sysmon', FILE)).size;
  const arrayBytes = Buffer.byteLength(`[${lines.join(',')}]`);
  t.equal(lines.length, 714, 'the 714-event file');
  t.ok(lines.length <= defaults.batchLimit, `${lines.length} events ≤ batchLimit ${defaults.batchLimit}`);
  t.ok(2 * ndjsonBytes <= defaults.bodyLimit, `NDJSON ${ndjsonBytes} bytes, twice over ≤ bodyLimit ${defaults.bodyLimit}`);
  t.ok(2 * arrayBytes <= defaults.bodyLimit, `JSON array ${arrayBytes} bytes, twice over ≤ bodyLimit ${defaults.bodyLimit}`);
});

t.test(`sysmon/${FILE} in one POST /enrich/batch on the default limits, as NDJSON and as a JSON array`, sharedData('sysmon', FILE), async (t) => {
  const { app } = await testApp({ config: 'lists: []\n' });
  t.teardown(() => app.close());
  const text = readFileSync(dataPath('sysmon', FILE), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim());
  const nd = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: text });
  t.equal(nd.statusCode, 200, 'NDJSON answered');
  t.equal(nd.body.trim().split('\n').length, lines.length, 'one line out per event');
  const arr = await app.inject({ method: 'POST', url: '/enrich/batch', headers: { 'content-type': 'application/json' }, payload: `[${lines.join(',')}]` });
  t.equal(arr.statusCode, 200, 'JSON array answered');
  t.equal(JSON.parse(arr.body).length, lines.length, 'one element out per event');
});
