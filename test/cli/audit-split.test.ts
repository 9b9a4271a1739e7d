// A large file read in parts when a worker thread dies: its part is read by the main thread, with a warning, and the report is the one reading in order gives.
import t from 'tap';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregator, buildReport, newFileTally, renderJson } from '../../src/audit/index.js';
import { RecordReader } from '../../src/enrich/index.js';
import { readInto } from '../../src/cli/audit-read.js';
import { readSplit, type SplitReadContext } from '../../src/cli/audit-split.js';
import { AuditThreads } from '../../src/cli/audit-threads.js';
import { contextFingerprint, loadContext } from '../../src/cli/context.js';
import { dataPath, sharedData } from '../helpers/shared-data.js';

t.test('a worker that dies: its part read here, a warning, the same report', sharedData('iptables'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-audit-split-'));
  const text = readdirSync(dataPath('iptables'))
    .map((f) => readFileSync(dataPath('iptables', f), 'utf8').replace(/\n?$/, '\n'))
    .join('');
  const file = join(dir, 'fw.log');
  writeFileSync(file, text.repeat(200));
  const size = statSync(file).size;
  const ctx = await loadContext('/dev/null', { quiet: true });
  const year = 2024;

  const inOrder = new Aggregator(ctx.enricher);
  const tally = newFileTally(file);
  inOrder.files.push(tally);
  await readInto(createReadStream(file), new RecordReader({ kind: null, year }), inOrder, tally, { lines: 0, events: 0 }, true);
  const want = renderJson(buildReport(inOrder));

  for (const when of ['before it takes a part', 'while it reads one'] as const) {
    const threads = AuditThreads.start(1, '/dev/null');
    const workers = await threads.usable(contextFingerprint(ctx));
    t.equal(workers.length, 1, 'the worker loaded the same lists');
    const agg = new Aggregator(ctx.enricher);
    const warnings: string[] = [];
    const failures: string[] = [];
    const c: SplitReadContext = {
      agg,
      enricher: ctx.enricher,
      threads,
      workers,
      state: { file, lines: 0, events: 0 },
      showProgress: false,
      year,
      partsPerThread: 2,
      kindOfName: () => null,
      failed: (m) => failures.push(m),
      warn: (m) => warnings.push(m),
    };
    if (when === 'before it takes a part') await workers[0]!.worker.terminate();
    else setTimeout(() => workers[0]!.worker.terminate().catch(() => undefined), 20);
    t.equal(await readSplit(file, file, size, c), true, `${when}: the file was read in parts`);
    await threads.close();
    t.same(failures, [], `${when}: no input failed`);
    t.ok(renderJson(buildReport(agg)) === want, `${when}: byte-identical to the report read in order`);
    if (when === 'before it takes a part') t.match(warnings, [/an audit worker failed .*read by the main thread/], 'the warning says so');
  }
});
