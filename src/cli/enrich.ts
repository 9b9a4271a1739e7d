// `ipdest enrich`: NDJSON events (or CSV exports, or raw netfilter log lines) in, enriched NDJSON out.
import { createReadStream } from 'node:fs';
import { enrichLine, type Enricher } from '../enrich/index.js';
import { readCsv } from '../lists/index.js';
import { loadContext } from './context.js';
import { Output, readLines } from './output.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';

export interface EnrichCliOptions {
  config?: string;
  dropped?: 'omit' | 'keep';
}

interface Totals { events: number; dropped: number; malformed: number }

async function enrichStream(enricher: Enricher, input: NodeJS.ReadableStream, name: string, csv: boolean, out: Output, omitDropped: boolean, totals: Totals): Promise<void> {
  let lineNo = 0;
  let header: string[] | null = null;
  for await (const line of readLines(input)) {
    lineNo++;
    if (line.trim() === '') continue;
    let text = line;
    if (csv) {
      // A CSV export: the first row names the columns, every other row becomes an event.
      const cells = readCsv(line, name)[0]?.cells ?? [];
      if (header === null) {
        header = cells.map((c) => c.trim());
        continue;
      }
      const event: Record<string, string> = {};
      header.forEach((h, i) => { event[h] = cells[i] ?? ''; });
      text = JSON.stringify(event);
    }
    const r = enrichLine(enricher, text, lineNo, { rawNetfilter: true, file: name });
    totals.events++;
    if (r.invalid) totals.malformed++;
    if (r.dropped) {
      totals.dropped++;
      if (omitDropped) continue;
    }
    out.write(r.text + '\n');
    await out.maybeFlush();
  }
}

export async function runEnrich(files: string[], opts: EnrichCliOptions, io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const ctx = await loadContext(opts.config, { stderr: io.stderr });
  const out = new Output(io.stdout);
  const totals: Totals = { events: 0, dropped: 0, malformed: 0 };
  const omit = opts.dropped === 'omit';
  if (files.length === 0) {
    await enrichStream(ctx.enricher, io.stdin, '(stdin)', false, out, omit, totals);
  } else {
    for (const file of files) {
      const stream = file === '-' ? io.stdin : createReadStream(file);
      await enrichStream(ctx.enricher, stream, file === '-' ? '(stdin)' : file, file.toLowerCase().endsWith('.csv'), out, omit, totals);
    }
  }
  await out.flush();
  if (totals.malformed > 0) io.stderr.write(`ipdest: ${totals.malformed} of ${totals.events} lines were not JSON objects; each has an INVALID_EVENT record in its place\n`);
  return totals.malformed > 0 ? EXIT_FAILURE : EXIT_OK;
}
