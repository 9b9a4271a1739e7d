// Line reading and buffered output: any chunking gives the same lines, long lines are bounded, a failed stream stops output.
import t from 'tap';
import fc from 'fast-check';
import { PassThrough, Readable, Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { Output, type OverlongLine, readLineBatches, readLines, sizeText, MAX_LINE_LENGTH } from '../../src/cli/output.js';

type Line = string | { overlong: number };

async function collect(chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, maxLineLength?: number): Promise<Line[]> {
  const lines: Line[] = [];
  // objectMode false: Buffers go through the stream's UTF-8 decoder, as a file's bytes do.
  const stream = Readable.from(chunks, { objectMode: false });
  for await (const l of readLines(stream, maxLineLength === undefined ? {} : { maxLineLength })) lines.push(typeof l === 'string' ? l : { overlong: l.limit });
  return lines;
}

/** What readLines has always given: split on \n, one \r before it dropped, no empty line after a last \n. */
function model(text: string, max = Infinity): Line[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    const line = p.endsWith('\r') ? p.slice(0, -1) : p;
    return line.length > max ? { overlong: max } : line;
  });
}

/** The text cut at the given offsets (any offset: inside a \r\n, a surrogate pair, a UTF-8 sequence). */
function cut<T extends string | Buffer>(whole: T, offsets: number[]): T[] {
  const at = [...new Set(offsets.map((o) => o % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let prev = 0;
  for (const o of [...at, whole.length]) {
    pieces.push(whole.slice(prev, o) as T);
    prev = o;
  }
  return pieces.filter((p) => p.length > 0);
}

// Text made of short runs with many line ends, lone \r and multi-byte characters among them.
const textArb = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
      fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\r\n', 'é', '😀'),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
const offsetsArb = fc.array(fc.nat(), { maxLength: 30 });

t.test('readLines: the lines of any text, however it is cut into string chunks', async (t) => {
  await fc.assert(
    fc.asyncProperty(textArb, offsetsArb, async (text, offsets) => {
      const chunks = cut(text, offsets);
      const lines: Line[] = [];
      for await (const l of readLines(Readable.from(chunks))) lines.push(l as string);
      return isDeepStrictEqual(lines, model(text));
    }),
    { seed: 11, numRuns: 500 },
  );
  t.pass('500 texts, cut at random');
});

t.test('readLines: the lines of any UTF-8 bytes, however they are cut (a character may be split)', async (t) => {
  await fc.assert(
    fc.asyncProperty(textArb, offsetsArb, async (text, offsets) => {
      return isDeepStrictEqual(await collect(cut(Buffer.from(text, 'utf8'), offsets)), model(text));
    }),
    { seed: 12, numRuns: 500 },
  );
  t.pass('500 texts as bytes, cut at random');
});

t.test('readLineBatches with fileBytes: the same lines from bytes decoded chunk by chunk, ASCII chunks as Latin-1', async (t) => {
  const bytesOf = async (chunks: Buffer[], max?: number): Promise<Line[]> => {
    const lines: Line[] = [];
    const opts = { fileBytes: true, ...(max === undefined ? {} : { maxLineLength: max }) };
    for await (const batch of readLineBatches(Readable.from(chunks, { objectMode: false }), opts))
      for (const l of batch) lines.push(typeof l === 'string' ? l : { overlong: l.limit });
    return lines;
  };
  // Mostly ASCII, so that whole chunks are ASCII and a multi-byte character is cut among them.
  const asciiHeavy = fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
        { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n') },
        { weight: 1, arbitrary: fc.constantFrom('é', '😀', '€') },
      ),
      { maxLength: 40 },
    )
    .map((p) => p.join(''));
  await fc.assert(
    fc.asyncProperty(fc.oneof(textArb, asciiHeavy), offsetsArb, fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }), async (text, offsets, max) => {
      return isDeepStrictEqual(await bytesOf(cut(Buffer.from(text, 'utf8'), offsets), max), max === undefined ? model(text) : model(text, max));
    }),
    { seed: 14, numRuns: 1000 },
  );
  // A character cut off by the end of the input reads as U+FFFD, as the stream's decoder gives it.
  t.same(await bytesOf([Buffer.from('ab\n'), Buffer.from([0x63, 0xe2, 0x82])]), ['ab', 'c\ufffd']);
  t.same(await collect([Buffer.from('ab\n'), Buffer.from([0x63, 0xe2, 0x82])]), ['ab', 'c\ufffd']);
  // Invalid UTF-8: a character left open, then an ASCII chunk; read as the stream's decoder reads it.
  const broken = () => [Buffer.from([0x61, 0xe2, 0x82]), Buffer.from('b\n'), Buffer.from([0xff, 0x0a])];
  t.same(await bytesOf(broken()), await collect(broken()));
  t.same(await bytesOf(broken()), ['a\ufffdb', '\ufffd']);
  t.pass('1000 texts as bytes, cut at random');
});

t.test('readLines: with a small limit, exactly the lines over it are replaced, wherever the chunks are cut', async (t) => {
  await fc.assert(
    fc.asyncProperty(textArb, offsetsArb, fc.integer({ min: 0, max: 10 }), async (text, offsets, max) => {
      return isDeepStrictEqual(await collect(cut(text, offsets), max), model(text, max));
    }),
    { seed: 13, numRuns: 1000 },
  );
  t.pass('1000 texts and limits, cut at random');
});

t.test('readLines: line ends, table-driven', async (t) => {
  const cases: Array<[string, Line[]]> = [
    ['', []],
    ['\n', ['']],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\r\n', ['a']],
    ['a\r', ['a']],
    ['a\n\nb', ['a', '', 'b']],
    ['a\r\r\nb', ['a\r', 'b']],
    ['a\rb\n', ['a\rb']],
  ];
  for (const [text, want] of cases) {
    t.same(await collect([text]), want, JSON.stringify(text));
    t.same(await collect(text.split('')), want, `${JSON.stringify(text)}, one character a chunk`);
  }
});

t.test('readLines: a line longer than the limit is dropped up to its newline and the next lines still come', async (t) => {
  const long = 'x'.repeat(5000);
  const text = `first\n${long}\nafter\n${long}`;
  for (const chunkSize of [1, 7, 100, 4096, 100000]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize));
    const lines = await collect(chunks, 1024);
    t.same(lines, ['first', { overlong: 1024 }, 'after', { overlong: 1024 }], `chunks of ${chunkSize}`);
  }
  t.same(
    await collect(['x'.repeat(1024) + '\r\n', 'y'.repeat(1025) + '\r\n'], 1024),
    ['x'.repeat(1024), { overlong: 1024 }],
    'the limit counts the text, not the line end',
  );
  t.same(await collect(['x'.repeat(1024) + '\r', '\nok'], 1024), ['x'.repeat(1024), 'ok'], 'a \\r at the limit, its \\n in the next chunk');
});

t.test('readLines: 100 MB on one line, in 64 KiB chunks, is read in linear time and not held', async (t) => {
  const chunk = 'a'.repeat(65536);
  const total = 1600; // 100 MiB
  async function* source(): AsyncGenerator<string> {
    yield 'before\n';
    for (let i = 0; i < total; i++) yield chunk;
    yield '\n{"ip":"10.0.0.1"}\n';
  }
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = 0;
  const lines: Line[] = [];
  for await (const l of readLines(Readable.from(source()))) {
    lines.push(typeof l === 'string' ? l : { overlong: l.limit });
    // Right after the long line: whatever of it was held is still in the heap.
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  t.same(lines, ['before', { overlong: MAX_LINE_LENGTH }, '{"ip":"10.0.0.1"}']);
  // Holding the line would take 100 MiB at least (a one-byte string), more while it was joined.
  const grew = heapPeak - heapBefore;
  t.ok(grew < 64 * 1048576, `the heap grew by ${Math.round(grew / 1048576)} MiB`);
});

t.test('readLines: a 20 MB line under a raised limit comes out whole', async (t) => {
  const chunk = 'b'.repeat(65536);
  async function* source(): AsyncGenerator<string> {
    for (let i = 0; i < 320; i++) yield chunk;
    yield '\r\nz';
  }
  const lines: Array<string | OverlongLine> = [];
  for await (const l of readLines(Readable.from(source()), { maxLineLength: 32 * 1048576 })) lines.push(l);
  t.equal(lines.length, 2);
  t.equal((lines[0] as string).length, 320 * 65536);
  t.ok(/^b+$/.test(lines[0] as string));
  t.equal(lines[1], 'z');
});

t.test('sizeText', async (t) => {
  for (const [n, want] of [
    [8 * 1048576, '8 MiB'],
    [1024, '1 KiB'],
    [65536, '64 KiB'],
    [1000, '1000 characters'],
    [1536, '1536 characters'],
  ] as const)
    t.equal(sizeText(n), want);
});

t.test('Output: writes in order, flushes at 64 KiB, waits for drain', async (t) => {
  const got: string[] = [];
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, cb) {
      got.push(String(chunk));
      setImmediate(cb);
    },
  });
  const out = new Output(slow);
  for (let i = 0; i < 20000; i++) {
    out.write(`${i}\n`);
    if (out.full) await out.flush();
  }
  await out.flush();
  t.ok(got.length > 1, 'more than one piece');
  t.equal(got.join(''), Array.from({ length: 20000 }, (_, i) => `${i}\n`).join(''));
  t.notOk(out.closed);
});

t.test('Output: a stream that fails is recorded, not thrown, and later writes are dropped', async (t) => {
  let calls = 0;
  const broken = new Writable({
    write(_chunk, _enc, cb) {
      calls++;
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const out = new Output(broken);
  out.write('x'.repeat(70000));
  t.ok(out.full);
  await out.flush();
  await new Promise((r) => setImmediate(r));
  t.ok(out.closed);
  t.equal(out.error?.code, 'EPIPE');
  out.write('more');
  await out.flush();
  t.equal(calls, 1, 'nothing more was handed to the failed stream');
});

t.test('Output: a full stream that is destroyed while we wait for drain does not hang', async (t) => {
  const stuck = new PassThrough({ highWaterMark: 1 }); // never read: never drains
  const out = new Output(stuck);
  out.write('x'.repeat(100));
  const flushed = out.flush();
  setImmediate(() => stuck.destroy());
  await flushed;
  t.ok(out.closed);
});
