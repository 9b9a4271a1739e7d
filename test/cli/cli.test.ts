// The command line: lookup (arguments, stdin, --json, exit codes), lists check|show, usage errors.
import t from 'tap';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/shared-data.js';

const run = runCli;

/** A config with the fixture lists, in a folder of its own. */
function fixtureConfig(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-cli-'));
  for (const f of ['azure-tags-20250106.json', 'azure-tags-20250113.json', 'msft-sample.csv', 'text-bad-line7.txt'])
    copyFileSync(join(FIXTURES, 'lists', f), join(dir, f));
  const file = join(dir, 'ipdest.yaml');
  writeFileSync(
    file,
    `lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: azure-tags-*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-sample.csv }
${extra}`,
  );
  return file;
}

t.test('lookup: arguments, table output', async (t) => {
  const cfg = fixtureConfig();
  const r = await run(['lookup', '-c', cfg, '13.107.4.50', '10.1.2.3', '2001:db8::1', '13.65.1.1']);
  t.equal(r.code, 0);
  const lines = r.out.trimEnd().split('\n');
  t.match(lines[0], /^IP\s+TAG\s+SCOPE\s+OWNER\s+LIST\/PREFIX\s+SERVICES$/);
  // The owner comes from the ASN dataset installed with ipdest (AS8068 holds 13.107.4.0/22).
  t.match(lines[1], /^13\.107\.4\.50\s+Microsoft\s+global\s+AS8068 Microsoft Corporation \(US\)\s+azure 13\.107\.4\.0\/22\s+AzureFrontDoor\.FirstParty$/);
  t.match(lines[2], /^10\.1\.2\.3\s+Private\s+private\s+-\s+private 10\.0\.0\.0\/8/, 'no owner for a private address');
  t.match(lines[3], /^2001:db8::1\s+documentation\s+documentation\s+-\s+-/);
  t.match(
    lines[4],
    /^13\.65\.1\.1\s+Microsoft\s+global\s+AS8075 Microsoft Corporation \(US\)\s+azure 13\.65\.0\.0\/16/,
    'the glob took the newest fixture, which adds 13.65.0.0/16',
  );
  // Columns line up: TAG starts at the same offset on every line.
  const at = lines.map((l) => l.search(/\s{2}\S/));
  t.ok(
    at.every((x) => x === at[0]),
    'aligned columns',
  );
});

t.test('lookup: stdin, --json, blank lines skipped, invalid input answered and exit 1', async (t) => {
  const cfg = fixtureConfig();
  const r = await run(['lookup', '-c', cfg, '--json'], '13.107.4.50\n\n010.0.0.1\r\n::ffff:10.0.0.1\n%{[destination][ip]}');
  t.equal(r.code, 1);
  const results = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(results.length, 4);
  t.match(results[0], { input: '13.107.4.50', IPDestination: 'Microsoft', label: 'Microsoft', external: true, action: 'keep' });
  t.match(results[1], { input: '010.0.0.1', error: { code: 'INVALID_ADDRESS' }, action: 'keep' });
  t.match(results[2], { ip: '10.0.0.1', mapped: true, version: 4, IPDestination: 'Private' });
  t.match(results[3], { error: { code: 'NO_ADDRESS' } });
});

t.test('lookup: a missing list file is a warning and the rest still loads', async (t) => {
  const cfg = fixtureConfig('  - { name: extra, tag: X, format: text, path: nowhere.txt }\n');
  const r = await run(['lookup', '-c', cfg, '13.107.4.50']);
  t.equal(r.code, 0);
  t.match(r.err, /warning: list extra: no file at .*nowhere\.txt/);
  t.match(r.out, /Microsoft/);
});

t.test('lists check: a malformed list names file and line and exits 1', async (t) => {
  const cfg = fixtureConfig('  - { name: mine, tag: Mine, format: text, path: text-bad-line7.txt }\n');
  const r = await run(['lists', 'check', '-c', cfg]);
  t.equal(r.code, 1);
  t.match(r.out, /mine\s+text\s+failed/);
  t.match(r.out, /error: mine: \S*text-bad-line7\.txt:7: invalid CIDR/);
});

t.test('lists check and show on good lists', async (t) => {
  const cfg = fixtureConfig();
  const check = await run(['lists', 'check', '-c', cfg]);
  t.equal(check.code, 0);
  t.match(check.out, /azure\s+azure-service-tags\s+loaded\s+4\s+1/);
  const show = await run(['lists', 'show', '-c', cfg, '--json']);
  t.equal(show.code, 0);
  const doc = JSON.parse(show.out);
  t.match(doc.lists[0], { name: 'azure', version: '301', state: 'loaded', prefixes: { v4: 4, v6: 1 } });
  t.notOk('entries' in doc.lists[0], 'no raw entries in the output');
});

t.test('usage errors exit 2, help exits 0', async (t) => {
  t.equal((await run(['bogus'])).code, 2);
  t.equal((await run(['lookup', '--nope'])).code, 2);
  t.equal((await run(['lists', 'frobnicate'])).code, 2);
  for (const args of [[], ['lists']]) {
    const r = await run(args);
    t.equal(r.code, 2, `${args.join(' ') || '(no command)'}: a missing command is a usage error`);
    t.match(r.err, /Usage: ipdest/, 'with the usage on stderr');
  }
  for (const args of [['--help'], ['lookup', '--help'], ['lists', '--help'], ['lists', 'check', '--help']]) {
    const r = await run(args);
    t.equal(r.code, 0, args.join(' '));
    t.match(r.out, /Usage: ipdest/, args.join(' '));
  }
});

t.test('an invalid config exits 1 naming file and key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-cli-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'server: { port: -1 }\n');
  const r = await run(['lookup', '-c', file, '1.2.3.4']);
  t.equal(r.code, 1);
  t.match(r.err, /bad\.yaml: server\.port/);
});
