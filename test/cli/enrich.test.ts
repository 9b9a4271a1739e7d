// `ipdest enrich`: NDJSON files and stdin, CSV exports, raw netfilter logs, malformed lines, --dropped.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const run = runCli;

const dir = mkdtempSync(join(tmpdir(), 'ipdest-enrich-'));
const config = join(dir, 'ipdest.yaml');
writeFileSync(join(dir, 'ms.txt'), '13.104.0.0/14\n');
writeFileSync(
  config,
  `lists:
  - { name: microsoft, tag: Microsoft, format: text, path: ms.txt }
rules:
  list:
    - { name: microsoft-noise, action: drop, tags: [Microsoft], ports: [443] }
`,
);
const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

t.test('NDJSON on stdin, order kept, a malformed line answered in place, exit 1', async (t) => {
  const input = ['{"destination":{"ip":"13.107.4.50","port":80}}', '{"destination":', '{"destination":{"ip":"10.0.0.1"}}'].join('\n');
  const r = await run(['enrich', '-c', config], input);
  t.equal(r.code, 1);
  const out = lines(r.out);
  t.equal(out.length, 3);
  t.match(out[0], { IPDestination: 'Microsoft', ipdest: { port: 80, action: 'keep' } });
  t.match(out[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 2, file: '(stdin)' } } });
  t.match(out[2], { IPDestination: 'Private' });
  t.match(r.err, /1 of 3 lines were not JSON objects/);
});

t.test('files: NDJSON, CSV export with a header, raw iptables log; --dropped omit', async (t) => {
  const nd = join(dir, 'events.ndjson');
  writeFileSync(nd, '{"destination":{"ip":"13.107.4.50","port":443}}\n{"destination":{"ip":"8.8.8.8","port":443}}\n');
  const csv = join(dir, 'sophos.csv');
  writeFileSync(csv, 'dst_addr,dst_port,process_uuid\r\n13.104.9.9,443,abc\r\n8.8.4.4,53,def\r\n');
  const log = join(dir, 'fw.log');
  writeFileSync(log, 'kernel: NEW-OUTBOUND IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=13.107.4.50 PROTO=TCP SPT=1 DPT=8443\n');
  const keep = await run(['enrich', '-c', config, nd, csv, log]);
  t.equal(keep.code, 0, keep.err);
  const all = lines(keep.out);
  t.equal(all.length, 5);
  t.match(all[0], { ipdest: { action: 'drop', rule: 'microsoft-noise' } });
  t.match(all[2], { dst_addr: '13.104.9.9', dst_port: '443', process_uuid: 'abc', IPDestination: 'Microsoft', ipdest: { process: 'abc', action: 'drop' } });
  t.match(all[3], { dst_addr: '8.8.4.4', ipdest: { service: 'dns', label: 'Unlisted' } });
  t.match(all[4], { message: /NEW-OUTBOUND/, ipdest: { port: 8443, service: 'https', action: 'keep' } });
  const omit = await run(['enrich', '-c', config, '--dropped', 'omit', nd, csv, log]);
  t.equal(lines(omit.out).length, 3, 'the two dropped events are left out');
});

t.test('a malformed line in a file names the file and line', async (t) => {
  const nd = join(dir, 'broken.ndjson');
  writeFileSync(nd, '{"ip":"10.0.0.1"}\n\nnot json\n');
  const r = await run(['enrich', '-c', config, nd]);
  t.equal(r.code, 1);
  t.match(lines(r.out)[1], { ipdest: { error: { code: 'INVALID_EVENT', line: 3, file: nd } } });
});

t.test('--dropped takes only keep or omit', async (t) => {
  t.equal((await run(['enrich', '--dropped', 'sometimes'])).code, 2);
});
