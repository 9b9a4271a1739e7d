// Parsing on the worker thread gives what parsing here gives: the same entries, the same errors.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ListFormatError } from '../../src/errors.js';
import { parseList, parseListOffThread, stopParseThread, type ListFormat, type ParsedList } from '../../src/lists/index.js';
import * as parseThread from '../../src/lists/parse-thread.js';
import { FIXTURES, dataPath, sharedData } from '../helpers/shared-data.js';

t.teardown(stopParseThread);

const summary = (p: ParsedList) => ({
  version: p.version,
  warnings: p.warnings,
  entries: p.entries.map((e) => [e.prefix.toString(), e.prefix.version, [...e.services], [...e.regions]]),
});

const cases: Array<[ListFormat, string, (string | number)?]> = [
  ['text', 'text-good.txt'],
  ['msft-public-ip-csv', 'msft-sample.csv'],
  ['azure-service-tags', 'azure-tags-20250106.json'],
  ['aws-ip-ranges', 'aws-sample.json'],
  ['google-ip-ranges', 'google-cloud-sample.json'],
  ['csv', 'networks.csv', 'network'],
];

t.test('fixtures: same entries, versions and warnings', async (t) => {
  for (const [format, name, column] of cases) {
    const text = readFileSync(resolve(FIXTURES, 'lists', name), 'utf8');
    const off = await parseListOffThread(format, text, name, column);
    t.same(summary(off), summary(parseList(format, text, name, { column })), name);
    t.ok(Object.isFrozen(off.entries[0]), `${name}: entries are frozen`);
    t.equal(parseThread.lastParseOn, 'worker', `${name}: parsed on the worker thread`);
  }
});

t.test('broken files: the same typed error', async (t) => {
  for (const [format, name] of [
    ['text', 'text-bad-line7.txt'],
    ['azure-service-tags', 'azure-truncated.json'],
    ['aws-ip-ranges', 'text-empty.txt'],
  ] as const) {
    const text = readFileSync(resolve(FIXTURES, 'lists', name), 'utf8');
    let here: ListFormatError | undefined;
    try {
      parseList(format, text, name);
    } catch (err) {
      here = err as ListFormatError;
    }
    await t.rejects(
      parseListOffThread(format, text, name),
      { name: 'ListFormatError', code: 'LIST_FORMAT', file: here!.file, line: here!.line, text: here!.text, message: here!.message },
      name,
    );
  }
});

t.test('the real Azure file', sharedData('azure', 'ServiceTags_Public_20251028.json'), async (t) => {
  const text = readFileSync(dataPath('azure', 'ServiceTags_Public_20251028.json'), 'utf8');
  const off = await parseListOffThread('azure-service-tags', text, 'azure.json');
  const here = parseList('azure-service-tags', text, 'azure.json');
  t.equal(off.entries.length, here.entries.length);
  t.same(summary(off), summary(here));
});
