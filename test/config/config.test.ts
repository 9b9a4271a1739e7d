// Config: defaults, validation errors that name file and key, environment overrides.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, parseConfigText, parseDuration } from '../../src/config/index.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

t.test('an empty document gives the defaults', async (t) => {
  const c = parseConfigText('', 'empty.yaml');
  t.equal(c.server.port, 8080);
  t.equal(c.server.bodyLimit, 1_048_576);
  t.same(c.lists, []);
  t.equal(c.enrich.field, 'IPDestination');
  t.equal(c.enrich.detailsField, 'ipdest');
  t.equal(c.rules.default, 'keep');
});

t.test('the shipped config/ipdest.yaml is valid', async (t) => {
  const loaded = loadConfig(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), {});
  t.equal(loaded.config.lists.length, 5);
  t.equal(loaded.config.lists.find((l) => l.name === 'aws')?.refresh, 86_400_000, 'refresh 24h in ms');
});

const bad: Array<{ yaml: string; path: string; reason: RegExp; why: string }> = [
  { yaml: 'server: { port: 70000 }', path: 'server.port', reason: /65535/, why: 'port out of range' },
  { yaml: 'lists: [{ name: a, tag: A, format: nope, path: x }]', path: 'lists.0.format', reason: /expected one of/i, why: 'unknown format' },
  { yaml: 'lists: [{ name: a, tag: A, format: text }]', path: 'lists.0.path', reason: /./, why: 'missing path' },
  { yaml: 'lists: [{ name: a, tag: A, format: text, path: x }, { name: a, tag: B, format: text, path: y }]', path: 'lists.1.name', reason: /duplicate/, why: 'duplicate names' },
  { yaml: 'lists: [{ name: private, tag: A, format: text, path: x }]', path: 'lists.0.name', reason: /built-in/, why: 'a built-in name' },
  { yaml: 'lists: [{ name: a, tag: A, format: csv, path: x }]', path: 'lists.0.column', reason: /column/, why: 'csv without column' },
  { yaml: 'lists: [{ name: a, tag: A, format: text, path: x, refresh: soon }]', path: 'lists.0.refresh', reason: /duration/, why: 'bad duration' },
  { yaml: 'builtins: { privat: X }', path: 'builtins', reason: /privat/, why: 'misspelt built-in' },
  { yaml: 'rules: { list: [{ action: maybe }] }', path: 'rules.list.0.action', reason: /./, why: 'bad action' },
  { yaml: 'rules: { list: [{ action: drop, ports: [70000] }] }', path: 'rules.list.0.ports.0', reason: /./, why: 'bad port' },
  { yaml: 'serverr: {}', path: '', reason: /serverr/, why: 'unknown top-level key' },
];

t.test('invalid configs name the file and the key', async (t) => {
  for (const b of bad) {
    try {
      parseConfigText(b.yaml, 'my.yaml');
      t.fail(`should reject (${b.why})`);
    } catch (err) {
      t.type(err, ConfigError, b.why);
      const e = err as ConfigError;
      t.equal(e.file, 'my.yaml', `${b.why}: file`);
      t.equal(e.path, b.path, `${b.why}: key path`);
      t.match(e.message, b.reason, `${b.why}: reason`);
    }
  }
});

t.test('YAML syntax errors carry the line', async (t) => {
  t.throws(() => parseConfigText('server:\n  port: [1,\n  host: x: y\n', 'broken.yaml'), { name: 'ConfigError', message: /broken\.yaml:\d/ });
});

t.test('a single rule condition value is taken as a list', async (t) => {
  const c = parseConfigText('rules: { list: [{ action: drop, tags: Microsoft, ports: 443 }] }', 'x.yaml');
  t.same(c.rules.list[0]!.tags, ['Microsoft']);
  t.same(c.rules.list[0]!.ports, [443]);
});

t.test('which file: --config, then IPDEST_CONFIG; a named file that is absent is an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-config-'));
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, 'server: { port: 1111 }\n');
  writeFileSync(b, 'server: { port: 2222 }\n');
  t.equal(loadConfig(a, { IPDEST_CONFIG: b }).config.server.port, 1111);
  t.equal(loadConfig(undefined, { IPDEST_CONFIG: b }).config.server.port, 2222);
  t.equal(loadConfig(a, {}).baseDir, dir, 'list paths are relative to the config file');
  t.throws(() => loadConfig(join(dir, 'nope.yaml'), {}), { name: 'ConfigError', message: /does not exist/ });
});

t.test('environment overrides', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-config-'));
  const a = join(dir, 'a.yaml');
  writeFileSync(a, 'server: { port: 1111, host: 127.0.0.1 }\n');
  const c = loadConfig(a, { IPDEST_HOST: '0.0.0.0', IPDEST_PORT: '9090', IPDEST_ADMIN_TOKEN: 'x'.repeat(20) }).config;
  t.equal(c.server.host, '0.0.0.0');
  t.equal(c.server.port, 9090);
  t.equal(c.server.adminToken, 'x'.repeat(20));
  t.throws(() => loadConfig(a, { IPDEST_PORT: 'eighty' }), { name: 'ConfigError', message: /IPDEST_PORT/ });
});

t.test('durations', async (t) => {
  t.equal(parseDuration('24h'), 86_400_000);
  t.equal(parseDuration('30m'), 1_800_000);
  t.equal(parseDuration(90), 90_000);
  t.equal(parseDuration('1.5h'), null);
  t.equal(parseDuration('0s'), null);
});
