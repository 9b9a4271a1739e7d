// ipdest lists update / rollback: the --json summary, the one-line-per-list text, and the exit codes.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';
import { listServer, plain } from '../helpers/list-server.js';

function configWith(t: Test, lists: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-cli-update-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ipdest.yaml');
  writeFileSync(file, `lists:\n${lists}`);
  return file;
}

t.test('update --json: the summary shape; unchanged on the second run; exit 0', sharedData('google'), async (t) => {
  const config = configWith(
    t,
    `  - { name: g, tag: Google, format: google-ip-ranges, path: cloud.json, url: "file://${dataPath('google', 'cloud_20250724.json')}" }
  - { name: local, tag: Local, format: text, path: local.txt }
`,
  );
  const first = await runCli(['lists', 'update', '--config', config, '--json']);
  t.equal(first.code, 0, first.err);
  const doc = JSON.parse(first.out) as { lists: Array<Record<string, unknown>>; changed: boolean };
  t.equal(doc.changed, true);
  t.equal(doc.lists.length, 1, 'a list without a source is left alone');
  t.match(doc.lists[0], { name: 'g', state: 'updated', reason: null, version: '1753409788780', previousVersion: null, prefixes: { v4: 736, v6: 46 } });
  const second = await runCli(['lists', 'update', '--config', config, '--json']);
  t.match(JSON.parse(second.out), { lists: [{ name: 'g', state: 'unchanged' }], changed: false });
  t.equal(second.code, 0);
});

t.test('update: one line per list; a failed or rejected list exits 1; the others still update', sharedData('aws', 'ip-ranges.json'), async (t) => {
  const server = await listServer();
  t.teardown(() => server.close());
  server.route('/html', plain('<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>', 200, 'text/html'));
  const config = configWith(
    t,
    `  - { name: aws, tag: AWS, format: aws-ip-ranges, path: ip-ranges.json, url: "file://${dataPath('aws', 'ip-ranges.json')}" }
  - { name: bad, tag: X, format: aws-ip-ranges, path: bad.json, url: "${server.origin}/html" }
`,
  );
  const r = await runCli(['lists', 'update', '--config', config]);
  t.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  t.match(lines, [/^aws: updated: 1787411825, 7905 IPv4, 3108 IPv6$/, /^bad: rejected: no version: .*HTML page titled "Just a moment\.\.\."/]);
  const one = await runCli(['lists', 'update', '--config', config, 'aws']);
  t.match(one, { code: 0, out: /^aws: unchanged: 1787411825, .*same content/ });
});

t.test('update and rollback: an unknown list name is a usage error (exit 2)', async (t) => {
  const config = configWith(t, `  - { name: a, tag: A, format: text, path: a.txt, url: "file:///nonexistent/a.txt" }\n`);
  t.match(await runCli(['lists', 'update', '--config', config, 'nope']), { code: 2, err: /no list named "nope" .*\(lists: a\)/ });
  t.match(await runCli(['lists', 'rollback', '--config', config, 'nope']), { code: 2, err: /no list named "nope"/ });
  t.match(await runCli(['lists', 'rollback', '--config', config]), { code: 2 }, 'the name is required');
});

t.test('rollback says which version it restored', sharedData('azure'), async (t) => {
  const config = configWith(
    t,
    `  - { name: azure, tag: Microsoft, format: azure-service-tags, path: "ServiceTags_Public_*.json", url: "file://${dataPath('azure', 'ServiceTags_Public_20251013.json')}" }\n`,
  );
  t.match(await runCli(['lists', 'rollback', '--config', config, 'azure']), { code: 1, err: /no history to roll back to/ });
  t.equal((await runCli(['lists', 'update', '--config', config])).code, 0);
  const newer = config.replace(/ipdest\.yaml$/, 'newer.yaml');
  const { readFileSync } = await import('node:fs');
  writeFileSync(newer, readFileSync(config, 'utf8').replace('20251013', '20251028'));
  t.match(await runCli(['lists', 'update', '--config', newer]), { code: 0, out: /azure: updated: 375 \(was 373\)/ });
  const r = await runCli(['lists', 'rollback', '--config', newer, 'azure']);
  t.match(r, { code: 0, out: /^azure: rolled back to 373 \(.*ServiceTags_Public_20251013\.json\), from 375$/m });
  const shown = await runCli(['lists', 'show', '--config', newer, '--json']);
  t.match(JSON.parse(shown.out), { lists: [{ name: 'azure', version: '373' }] }, 'the glob path loads the restored file');
});
