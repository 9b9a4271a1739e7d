// The real process writing to a pipe closed early (`| head -1`) or a full disk: quiet exit 0, or a clear error; never a stack.
import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const CLI = resolve(PROJECT_ROOT, 'src', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'ipdest-pipe-'));

// Far more output than a pipe holds (64 KiB), so the process is still writing when the reader goes.
const addresses = join(dir, 'addresses.txt');
writeFileSync(addresses, Array.from({ length: 100000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n') + '\n');
const events = join(dir, 'events.ndjson');
writeFileSync(
  events,
  Array.from({ length: 50000 }, (_, i) => JSON.stringify({ destination: { ip: `13.107.${(i >> 8) & 255}.${i & 255}`, port: 443 }, n: i })).join('\n') + '\n',
);

interface Result {
  code: number | null;
  signal: string | null;
  first: string;
  err: string;
}

/** Runs ipdest with stdin from a file; `stdout: 'head'` reads the first chunk and closes the pipe. */
function ipdest(args: string[], opts: { stdin?: string; stdout: 'head' | number }): Promise<Result> {
  const stdinFd = opts.stdin ? openSync(opts.stdin, 'r') : 'ignore';
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: PROJECT_ROOT,
    stdio: [stdinFd, opts.stdout === 'head' ? 'pipe' : opts.stdout, 'pipe'],
  });
  if (typeof stdinFd === 'number') closeSync(stdinFd);
  let first = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  child.stdout?.once('data', (c) => {
    first = String(c);
    child.stdout!.destroy(); // like `head -1` exiting after its line
  });
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, first, err })));
}

const cases: Array<{ name: string; args: string[]; stdin?: string; firstLine: RegExp }> = [
  { name: 'lookup --json < many', args: ['lookup', '-c', '/dev/null', '--json'], stdin: addresses, firstLine: /^\{"input":"10\.0\.0\.0"/ },
  { name: 'lookup (table) < many', args: ['lookup', '-c', '/dev/null'], stdin: addresses, firstLine: /^IP\s+TAG/ },
  { name: 'enrich big.ndjson', args: ['enrich', '-c', '/dev/null', events], firstLine: /^\{"destination":\{"ip":"13\.107\.0\.0"/ },
  { name: 'enrich < big.ndjson', args: ['enrich', '-c', '/dev/null'], stdin: events, firstLine: /^\{"destination"/ },
];

for (const c of cases) {
  t.test(`stdout closed early: ${c.name} | head -1 exits 0 without a word`, async (t) => {
    const r = await ipdest(c.args, { stdin: c.stdin, stdout: 'head' });
    t.match(r.first, c.firstLine, 'the reader got the start of the output');
    t.equal(r.err, '', 'nothing on stderr');
    t.equal(r.code, 0, 'exit 0');
    t.equal(r.signal, null);
  });
}

const full = { skip: existsSync('/dev/full') ? false : 'needs /dev/full (a device whose writes fail with ENOSPC)' };

t.test('stdout on a full disk: a clear error, exit 1, no stack', full, async (t) => {
  for (const args of [
    ['lookup', '-c', '/dev/null', '1.2.3.4'],
    ['enrich', '-c', '/dev/null', events],
    ['lists', 'show', '-c', '/dev/null'],
  ]) {
    const fd = openSync('/dev/full', 'w');
    const r = await ipdest(args, { stdout: fd });
    closeSync(fd);
    t.equal(r.code, 1, args[0]);
    t.match(r.err, /^ipdest: error: cannot write the output: no space left on device \(ENOSPC\)\n$/, args[0]);
    t.notMatch(r.err, /internal error|\n\s+at /, `${args[0]}: no stack`);
  }
});
