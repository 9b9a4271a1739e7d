// `ipdest lookup` from stdin: a line over the limit is answered in place; help says how inputs and exits work.
import t from 'tap';
import { PassThrough, Readable } from 'node:stream';
import { runLookup } from '../../src/cli/lookup.js';
import { runCli } from '../helpers/cli.js';

async function lookup(stdin: string, json: boolean): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => {
    out += c;
  });
  const code = await runLookup([], { config: '/dev/null', json }, { stdin: Readable.from([stdin]), stdout, stderr: new PassThrough() }, { maxLineLength: 64 });
  return { code, out };
}

t.test('lookup: a stdin line over the limit is an INVALID_ADDRESS naming the line; the others are answered', async (t) => {
  const input = `10.0.0.1\n${'1'.repeat(100)}\n\n10.0.0.2\n`;
  const json = await lookup(input, true);
  t.equal(json.code, 1);
  const results = json.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(results.length, 3);
  t.match(results[0], { ip: '10.0.0.1' });
  t.same(results[1], { input: '', error: { code: 'INVALID_ADDRESS', message: 'line 2 is longer than 64 characters; not read' }, action: 'keep' });
  t.match(results[2], { ip: '10.0.0.2' });
  const table = await lookup(input, false);
  t.match(table.out, /^""\s+INVALID_ADDRESS\s+-\s+-\s+-\s+line 2 is longer than 64 characters; not read$/m);
});

t.test('help: enrich and lookup say how inputs are read and what the exit status means', async (t) => {
  const enrich = await runCli(['enrich', '--help']);
  t.equal(enrich.code, 0);
  for (const text of [
    '[file...]',
    '--config',
    '--dropped <mode>',
    'first\nnon-blank line opens with "{"',
    'longer than 8 MiB',
    'could not be read',
    'ends the\nrun quietly',
  ])
    t.ok(enrich.out.includes(text), text);
  const look = await runCli(['lookup', '--help']);
  t.match(look.out, /A closed output \(\| head\) ends the run quietly, with status 0\./);
});
