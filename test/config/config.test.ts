// Config: defaults, validation errors that name file and key, environment overrides.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_ADDRESS_FIELDS, loadConfig, parseConfigText, parseDuration } from '../../src/config/index.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

t.test('an empty document gives the defaults', async (t) => {
  const c = parseConfigText('', 'empty.yaml');
  t.equal(c.server.port, 8080);
  t.equal(c.server.bodyLimit, 4_194_304, 'bodyLimit 4 MiB');
  t.equal(c.server.batchLimit, 10_000);
  t.same(c.lists, []);
  t.equal(c.enrich.field, 'IPDestination');
  t.equal(c.enrich.detailsField, 'ipdest');
  t.equal(c.rules.default, 'keep');
});

t.test('the shipped config/ipdest.yaml is valid', async (t) => {
  const loaded = loadConfig(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), {});
  t.equal(loaded.config.lists.length, 6);
  t.equal(loaded.config.lists.find((l) => l.name === 'm365')?.format, 'm365-endpoints', 'Microsoft 365 endpoints ship enabled');
  t.equal(loaded.config.lists.find((l) => l.name === 'aws')?.refresh, 86_400_000, 'refresh 24h in ms');
  // A list written in the shipped file would hide every event shape added to the defaults since.
  t.same(loaded.config.enrich.addressFields, DEFAULT_ADDRESS_FIELDS, 'every event shape ipdest reads');
  t.ok(DEFAULT_ADDRESS_FIELDS.includes('Details.TgtIP') && DEFAULT_ADDRESS_FIELDS.includes('Event.EventData.DestAddress'));
});

const bad: Array<{ yaml: string; path: string; reason: RegExp; why: string }> = [
  { yaml: 'server: { port: 70000 }', path: 'server.port', reason: /65535/, why: 'port out of range' },
  { yaml: 'lists: [{ name: a, tag: A, format: nope, path: x }]', path: 'lists.0.format', reason: /expected one of/i, why: 'unknown format' },
  { yaml: 'lists: [{ name: a, tag: A, format: text }]', path: 'lists.0.path', reason: /./, why: 'missing path' },
  {
    yaml: 'lists: [{ name: a, tag: A, format: text, path: x }, { name: a, tag: B, format: text, path: y }]',
    path: 'lists.1.name',
    reason: /duplicate/,
    why: 'duplicate names',
  },
  { yaml: 'lists: [{ name: private, tag: A, format: text, path: x }]', path: 'lists.0.name', reason: /built-in/, why: 'a built-in name' },
  { yaml: 'lists: [{ name: a, tag: A, format: csv, path: x }]', path: 'lists.0.column', reason: /column/, why: 'csv without column' },
  { yaml: 'lists: [{ name: a, tag: A, format: text, path: x, refresh: soon }]', path: 'lists.0.refresh', reason: /duration/, why: 'bad duration' },
  { yaml: 'builtins: { privat: X }', path: 'builtins.privat', reason: /unknown key "privat" \(did you mean "private"\?\)/, why: 'misspelt built-in' },
  { yaml: 'rules: { list: [{ action: maybe }] }', path: 'rules.list.0.action', reason: /./, why: 'bad action' },
  { yaml: 'rules: { list: [{ action: drop, ports: [70000] }] }', path: 'rules.list.0.ports.0', reason: /./, why: 'bad port' },
  {
    yaml: 'serverr: {}',
    path: 'serverr',
    reason: /^my\.yaml: unknown key "serverr" \(did you mean "server"\?\) at line 1, column 1$/,
    why: 'unknown top-level key',
  },
  {
    yaml: 'server: { bodyLimit: 67108865 }',
    path: 'server.bodyLimit',
    reason: /server\.bodyLimit: at most 67108864 \(64 MiB\): .*event loop/,
    why: 'bodyLimit over 64 MiB',
  },
  {
    yaml: 'server: { batchLimit: 100001 }',
    path: 'server.batchLimit',
    reason: /server\.batchLimit: at most 100000: .*event loop/,
    why: 'batchLimit over 100,000',
  },
  { yaml: 'server: { bodyLimit: 0 }', path: 'server.bodyLimit', reason: /server\.bodyLimit/, why: 'bodyLimit 0' },
  { yaml: 'server: { adminToken: Zq7-tok }', path: 'server.adminToken', reason: /at least 16 characters/, why: 'short admin token' },
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

t.test("the limits' bounds are inclusive", async (t) => {
  const c = parseConfigText('server: { bodyLimit: 67108864, batchLimit: 100000 }', 'x.yaml');
  t.equal(c.server.bodyLimit, 64 * 1024 * 1024);
  t.equal(c.server.batchLimit, 100_000);
});

// Broken YAML: the line and column of the mistake itself (not where the parser noticed it), the
// parser's message, and a code frame whose caret sits under that column.
const brokenYaml: Array<{ why: string; yaml: string; line: number; col: number; reason: RegExp }> = [
  { why: 'tab as indentation', yaml: 'server:\n\thost: x\n', line: 2, col: 1, reason: /Tabs are not allowed/ },
  {
    why: 'unclosed double quote',
    yaml: 'server:\n  host: "127.0.0.1\n  port: 8080\nlists: []\n',
    line: 2,
    col: 9,
    reason: /Missing closing "quote.*never closed/,
  },
  {
    why: 'unclosed single quote',
    yaml: "server:\n  host: 127.0.0.1\n  adminToken: 'abc''def\n  port: 8080\n",
    line: 3,
    col: 15,
    reason: /quote.*never closed/,
  },
  {
    why: 'unclosed quote with quoted strings after it',
    yaml: "lists:\n  - name: aws\n    path: \"ip-ranges.json\n    format: aws-ip-ranges\nrules:\n  list:\n    - { action: keep, images: ['*\\\\powershell.exe'] }\n",
    line: 3,
    col: 11,
    reason: /quote.*never closed/,
  },
  {
    why: 'unclosed [ of a list',
    yaml: 'server:\n  port: 8080\nrules:\n  list:\n    - name: x\n      action: drop\n      ports: [80, 443\n    - action: keep\n',
    line: 7,
    col: 14,
    reason: /\[ that starts here is never closed/,
  },
  {
    why: 'a key indented deeper than the one above',
    yaml: 'lists:\n  - name: aws\n    tag: AWS\n     format: aws-ip-ranges\n',
    line: 4,
    col: 6,
    reason: /indented deeper than the key above/,
  },
  { why: 'a key indented less than its siblings', yaml: 'server:\n  host: 127.0.0.1\n port: 8080\n', line: 3, col: 1, reason: /same column/ },
  { why: 'a key given twice', yaml: 'server: { port: 1 }\nrules: {}\nserver: {}\n', line: 3, col: 1, reason: /unique/ },
];

t.test("YAML syntax errors: file:line:col of the mistake and the parser's code frame", async (t) => {
  for (const b of brokenYaml) {
    const err = catchError(() => parseConfigText(b.yaml, 'broken.yaml'));
    t.type(err, ConfigError, b.why);
    const e = err as ConfigError & { line?: number; col?: number };
    t.equal(e.file, 'broken.yaml', `${b.why}: file`);
    t.equal(e.line, b.line, `${b.why}: line`);
    t.equal(e.col, b.col, `${b.why}: column`);
    const [head, ...frame] = e.message.split('\n');
    t.ok(head!.startsWith(`broken.yaml:${b.line}:${b.col}: `), `${b.why}: ${head}`);
    t.match(head, b.reason, `${b.why}: reason`);
    // The frame: the offending line, then a caret under the column.
    const caret = frame.findIndex((l) => /^ *\^+$/.test(l));
    t.ok(caret > 0, `${b.why}: a caret line`);
    t.equal(frame[caret - 1], b.yaml.split('\n')[b.line - 1], `${b.why}: the line above the caret is line ${b.line}`);
    t.equal(frame[caret]!.indexOf('^'), b.col - 1, `${b.why}: the caret is under column ${b.col}`);
  }
});

t.test('validation errors give the line and column too', async (t) => {
  const yaml = 'server:\n  host: 127.0.0.1\n  port: 70000\n';
  const e = catchError(() => parseConfigText(yaml, 'x.yaml')) as ConfigError & { line?: number; col?: number };
  t.equal(e.line, 3);
  t.equal(e.col, 9);
  t.match(e.message, /^x\.yaml: server\.port: .*65535 at line 3, column 9$/);
});

// Unknown keys are named with the entry's name where it has one, and the nearest known key.
const unknownKeys: Array<{ yaml: string; path: string; message: string }> = [
  {
    yaml: 'lists:\n  - { name: azure, tag: Microsoft, format: azure-service-tags, path: a.json }\n  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: m.csv }\n  - name: aws\n    tag: AWS\n    format: aws-ip-ranges\n    path: ip-ranges.json\n    refesh: 24h\n',
    path: 'lists.2.refesh',
    message: 'config/x.yaml: lists[2] (name "aws"): unknown key "refesh" (did you mean "refresh"?) at line 8, column 5',
  },
  {
    yaml: 'rules:\n  list:\n    - { name: watch-lolbins, action: keep, image: "*\\\\powershell.exe" }\n',
    path: 'rules.list.0.image',
    message: 'config/x.yaml: rules.list[0] (name "watch-lolbins"): unknown key "image" (did you mean "images"?) at line 3, column 44',
  },
  {
    yaml: 'rules:\n  list:\n    - { action: drop, scopes: multicast }\n',
    path: 'rules.list.0.scopes',
    message: 'config/x.yaml: rules.list[0]: unknown key "scopes" (did you mean "scope"?) at line 3, column 23',
  },
  {
    yaml: 'server:\n  BodyLimit: 1024\n',
    path: 'server.BodyLimit',
    message: 'config/x.yaml: server: unknown key "BodyLimit" (did you mean "bodyLimit"?) at line 2, column 3',
  },
  { yaml: 'enrich: { feild: x }\n', path: 'enrich.feild', message: 'config/x.yaml: enrich: unknown key "feild" (did you mean "field"?) at line 1, column 11' },
  { yaml: 'rules: { lists: [] }\n', path: 'rules.lists', message: 'config/x.yaml: rules: unknown key "lists" (did you mean "list"?) at line 1, column 10' },
];

t.test("an unknown key is named, with the list entry's or rule's name", async (t) => {
  for (const u of unknownKeys) {
    const e = catchError(() => parseConfigText(u.yaml, 'config/x.yaml')) as ConfigError;
    t.type(e, ConfigError, u.path);
    t.equal(e.path, u.path, `${u.path}: key path`);
    t.equal(e.message, u.message);
  }
});

t.test('an unknown key with no near match lists the keys allowed there', async (t) => {
  const e = catchError(() => parseConfigText('lists: [{ name: a, tag: A, format: text, path: x, colour: red }]', 'x.yaml')) as ConfigError;
  t.match(e.message, /lists\[0\] \(name "a"\): unknown key "colour" \(the keys here are name, tag, format, path, .*refresh/);
});

t.test('every problem is listed, in file order', async (t) => {
  const yaml = 'server:\n  port: 70000\nlists:\n  - { name: a, tag: A, format: nope, path: x }\nserverr: 1\n';
  const e = catchError(() => parseConfigText(yaml, 'x.yaml')) as ConfigError;
  t.equal(e.path, 'server.port', 'the first in the file leads');
  const lines = e.message.split('\n');
  t.match(lines[0], /^x\.yaml: server\.port: .* at line 2, column 9$/);
  t.match(lines[1], /^ {2}also lists\[0\] \(name "a"\)\.format: .*got "nope" at line 4, column 32$/);
  t.match(lines[2], /^ {2}also unknown key "serverr" .* at line 5, column 1$/);
});

t.test('a value is never echoed for a secret key', async (t) => {
  const e = catchError(() => parseConfigText('server: { adminToken: hunter2-secret }', 'x.yaml')) as ConfigError;
  t.match(e.message, /server\.adminToken: too short: use at least 16 characters/);
  t.notMatch(e.message, /hunter2/);
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
  // The environment is read here only: the server's logging switches come through the config.
  const logging = loadConfig(a, { IPDEST_LOG_REQUESTS: '1', LOG_LEVEL: 'warn' }).config.server;
  t.same([logging.logRequests, logging.logLevel], [true, 'warn']);
  t.same([loadConfig(a, {}).config.server.logRequests, loadConfig(a, {}).config.server.logLevel], [false, 'info'], 'defaults');
  t.throws(() => loadConfig(a, { LOG_LEVEL: 'loud' }), {
    name: 'ConfigError',
    message: /LOG_LEVEL: one of fatal, error, warn, info, debug, trace, silent, got "loud"/,
  });
  for (const [given, level] of [
    ['INFO', 'info'],
    ['warning', 'warn'],
    [' Debug ', 'debug'],
  ])
    t.equal(loadConfig(a, { LOG_LEVEL: given }).config.server.logLevel, level, `LOG_LEVEL=${given}`);
});

t.test("settings that would lose one of ipdest's answers, and rules that could never decide, are refused", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['enrich: { field: ipdest, detailsField: ipdest }', /enrich\.detailsField: must differ from enrich\.field \(both are "ipdest"\)/],
    ['enrich: { field: tags, addTags: true }', /enrich\.field: cannot be "tags" while addTags is on/],
    ['enrich: { detailsField: tags, addTags: true }', /enrich\.detailsField: cannot be "tags" while addTags is on/],
    ['rules: { list: [{ action: drop, tags: [] }] }', /rules\.list\[0\]\.tags: an empty list matches nothing/],
    ['rules: { list: [{ action: drop, ports: [] }] }', /rules\.list\[0\]\.ports: an empty list matches nothing/],
  ];
  for (const [yaml, message] of cases) t.throws(() => parseConfigText(yaml + '\n', 'x.yaml'), { name: 'ConfigError', message }, yaml);
  t.doesNotThrow(() => parseConfigText('enrich: { field: tags }\n', 'x.yaml'), 'field tags without addTags is fine');
  t.doesNotThrow(() => parseConfigText('enrich: { field: ipdest, detailsField: null }\n', 'x.yaml'), 'no details: any field');
});

t.test('a short IPDEST_ADMIN_TOKEN is refused like server.adminToken, without echoing it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-config-'));
  const a = join(dir, 'a.yaml');
  writeFileSync(a, 'server: { port: 1111 }\n');
  for (const token of ['Zq7', 'fifteen-chars15', 'pässwörd']) {
    const e = catchError(() => loadConfig(a, { IPDEST_ADMIN_TOKEN: token })) as ConfigError;
    t.type(e, ConfigError, `${token.length} characters`);
    t.equal(e.path, 'IPDEST_ADMIN_TOKEN');
    t.match(e.message, /IPDEST_ADMIN_TOKEN: .*at least 16 characters/);
    t.notOk(e.message.includes(token), 'the token is not in the message');
  }
  t.equal(loadConfig(a, { IPDEST_ADMIN_TOKEN: 's'.repeat(16) }).config.server.adminToken, 's'.repeat(16), '16 characters are enough');
  t.equal(loadConfig(a, { IPDEST_ADMIN_TOKEN: '' }).config.server.adminToken, undefined, 'an empty variable is taken as unset');
});

t.test('a config path that is a folder is an error naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-config-'));
  t.throws(() => loadConfig(dir, {}), { name: 'ConfigError', message: /folder/ });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

t.test('durations', async (t) => {
  t.equal(parseDuration('24h'), 86_400_000);
  t.equal(parseDuration('30m'), 1_800_000);
  t.equal(parseDuration(90), 90_000);
  t.equal(parseDuration('1.5h'), null);
  t.equal(parseDuration('0s'), null);
});

t.test('server.workers: a number, auto, or IPDEST_WORKERS', async (t) => {
  t.equal(parseConfigText('', 'empty.yaml').server.workers, 1, 'one process by default');
  t.equal(parseConfigText('server: { workers: 4 }', 'a.yaml').server.workers, 4);
  t.equal(parseConfigText('server: { workers: auto }', 'a.yaml').server.workers, 'auto');
  t.throws(() => parseConfigText('server: { workers: 0 }', 'a.yaml'), { name: 'ConfigError', message: /workers/ });
  t.throws(() => parseConfigText('server: { workers: many }', 'a.yaml'), { name: 'ConfigError', message: /workers/ });
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-config-'));
  const a = join(dir, 'a.yaml');
  writeFileSync(a, 'server: { workers: 2 }\n');
  t.equal(loadConfig(a, {}).config.server.workers, 2);
  t.equal(loadConfig(a, { IPDEST_WORKERS: '3' }).config.server.workers, 3, 'the environment wins');
  t.equal(loadConfig(a, { IPDEST_WORKERS: 'AUTO' }).config.server.workers, 'auto');
  t.throws(() => loadConfig(a, { IPDEST_WORKERS: '0' }), { name: 'ConfigError', message: /IPDEST_WORKERS/ });
});
