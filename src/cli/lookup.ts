// `ipdest lookup`: classify addresses from arguments or stdin, as a table or one JSON result a line.
import { isFailure, type Result } from '../enrich/index.js';
import { loadContext } from './context.js';
import { Output, readLines } from './output.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';
import { StreamingTable } from './table.js';

export interface LookupOptions {
  config?: string;
  json?: boolean;
}

const HEADER = ['IP', 'TAG', 'SCOPE', 'LIST/PREFIX', 'SERVICES'];

function servicesText(services: readonly string[]): string {
  if (services.length <= 3) return services.join(', ');
  return `${services.slice(0, 3).join(', ')} (+${services.length - 3})`;
}

function row(r: Result): string[] {
  if (isFailure(r)) return [r.input?.trim() || JSON.stringify(r.input ?? ''), r.error.code, '-', '-', r.error.message];
  const m = r.matches[0];
  return [r.ip, r.label, r.scope, m ? `${m.list} ${m.prefix}` : '-', m ? servicesText(m.services) : ''];
}

export async function runLookup(ips: string[], opts: LookupOptions, io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const ctx = await loadContext(opts.config, { stderr: io.stderr });
  const out = new Output(io.stdout);
  const table = opts.json ? null : new StreamingTable(HEADER, (s) => out.write(s));
  let invalid = 0;
  const answer = async (input: string): Promise<void> => {
    const r = ctx.enricher.lookup(input);
    if (isFailure(r)) invalid++;
    if (table) table.push(row(r));
    else out.write(JSON.stringify(r) + '\n');
    await out.maybeFlush();
  };
  if (ips.length > 0) {
    for (const ip of ips) await answer(ip);
  } else {
    for await (const line of readLines(io.stdin)) {
      if (line.trim() === '') continue;
      await answer(line);
    }
  }
  table?.end();
  await out.flush();
  return invalid > 0 ? EXIT_FAILURE : EXIT_OK;
}
