// Progress of `ipdest enrich`: drawn on a terminal's stderr about once a second, never on a pipe or file.
import t from 'tap';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Progress, type ProgressState } from '../../src/cli/progress.js';

function tty(isTTY: boolean): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  if (isTTY) Object.assign(stream, { isTTY: true });
  let text = '';
  stream.on('data', (c) => {
    text += c;
  });
  return { stream, text: () => text };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('Progress: nothing at all when stderr is not a terminal', async (t) => {
  const err = tty(false);
  const p = Progress.start(err.stream, { file: 'big.ndjson', lines: 10, events: 10 }, { intervalMs: 5 });
  t.equal(p, null);
  await sleep(30);
  t.equal(err.text(), '');
});

t.test('Progress: on a terminal, file, lines and events/s redrawn in place, erased at the end', async (t) => {
  const err = tty(true);
  let now = 1000;
  const state: ProgressState = { file: 'big\x1b[2J.ndjson', lines: 0, events: 0 };
  const p = Progress.start(err.stream, state, { intervalMs: 5, now: () => now });
  t.ok(p);
  state.lines = 12345;
  state.events = 5000;
  now = 3000;
  await sleep(30);
  const drawn = err.text();
  t.match(drawn, /^\ripdest: big\\x1b\[2J\.ndjson: 12,345 lines, 2,500 events\/s\x1b\[K/, 'the line, with the file name escaped');
  p!.clear();
  t.ok(err.text().endsWith('\r\x1b[K'), 'clear erases the line before another message');
  p!.stop();
  const stopped = err.text();
  await sleep(30);
  t.equal(err.text(), stopped, 'nothing after stop');
});

t.test('Progress: with the bytes read and the file size (the audit), both in MB', async (t) => {
  const err = tty(true);
  let now = 0;
  const state: ProgressState = { file: 'fw.log', lines: 0, events: 0, bytes: 0, size: 241_315_896 };
  const p = Progress.start(err.stream, state, { intervalMs: 5, now: () => now });
  state.lines = 1_000_000;
  state.events = 900_000;
  state.bytes = 120_657_948;
  now = 2000;
  await sleep(30);
  p!.stop();
  t.match(err.text(), /\ripdest: fw\.log: 1,000,000 lines, 120\.7 of 241\.3 MB, 450,000 events\/s\x1b\[K/);
});

/** Events that trickle in for a little over a second, as from `tail -f`. */
function slowInput(): Readable {
  // The trickle starts at the first read, so it lasts past a second however long the command takes to start.
  let started = false;
  const stdin = new Readable({
    read() {
      if (started) return;
      started = true;
      let batch = 0;
      const timer = setInterval(() => {
        for (let i = 0; i < 50; i++) stdin.push(`{"destination":{"ip":"10.0.${batch}.${i}"}}\n`);
        if (++batch === 12) {
          clearInterval(timer);
          stdin.push(null);
        }
      }, 100);
    },
  });
  return stdin;
}

async function enrichSlowly(isTTY: boolean): Promise<{ code: number; out: string; err: string }> {
  const stdout = tty(false);
  const stderr = tty(isTTY);
  const code = await main(['enrich', '-c', '/dev/null'], { stdin: slowInput(), stdout: stdout.stream, stderr: stderr.stream });
  return { code, out: stdout.text(), err: stderr.text() };
}

t.test('enrich over more than a second: progress on a terminal stderr, none on a pipe, same output', async (t) => {
  const [onTty, onPipe] = await Promise.all([enrichSlowly(true), enrichSlowly(false)]);
  t.equal(onPipe.code, 0);
  t.equal(onPipe.err, '', 'no progress when stderr is not a terminal');
  t.equal(onTty.code, 0);
  t.match(onTty.err, /\ripdest: \(stdin\): [\d,]+ lines, [\d,]+ events\/s\x1b\[K/, 'progress when it is');
  t.ok(onTty.err.endsWith('\r\x1b[K'), 'and erased at the end');
  t.equal(onTty.out, onPipe.out, 'stdout is the same either way');
  t.equal(onPipe.out.trim().split('\n').length, 600);
});
