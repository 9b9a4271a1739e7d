// `ipdest lookup`: classify addresses from arguments or stdin, as a table or one JSON result a line.
import { buildFailure, isFailure, type LookupFailure, type Result } from '../enrich/index.js';
import type { Owner } from '../lists/index.js';
import { loadContext } from './context.js';
import { isClosedPipe, Output, readLines, sizeText, type ReadLinesOptions } from './output.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';
import { StreamingTable } from './table.js';

export interface LookupOptions {
  config?: string;
  json?: boolean;
}

const HEADER = ['IP', 'TAG', 'SCOPE', 'OWNER', 'LIST/PREFIX', 'SERVICES'];

function servicesText(services: readonly string[]): string {
  if (services.length <= 3) return services.join(', ');
  return `${services.slice(0, 3).join(', ')} (+${services.length - 3})`;
}

function row(r: Result): string[] {
  if (isFailure(r)) return [r.input?.trim() || JSON.stringify(r.input ?? ''), r.error.code, '-', '-', '-', r.error.message];
  const m = r.matches[0];
  return [r.ip, r.label, r.scope, ownerText(r.owner), m ? `${m.list} ${m.prefix}` : '-', m ? servicesText(m.services) : ''];
}

/** `AS8075 Microsoft Corporation (US)`, as much of it as is known; '-' for none. */
function ownerText(o: Owner | undefined): string {
  if (o === undefined) return '-';
  const parts = [o.asn !== undefined ? `AS${o.asn}` : '', o.org ?? '', o.country !== undefined ? `(${o.country})` : ''].filter(Boolean);
  return parts.join(' ') || '-';
}

/** The answer for a stdin line too long to be kept: no address can be that long. */
function overlong(lineNo: number, limit: number): LookupFailure {
  return buildFailure('INVALID_ADDRESS', `line ${lineNo} is longer than ${sizeText(limit)}; not read`, {}, { input: '' });
}

export async function runLookup(
  ips: string[],
  opts: LookupOptions,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  lineOptions: ReadLinesOptions = {},
): Promise<number> {
  const ctx = await loadContext(opts.config, { stderr: io.stderr });
  const out = new Output(io.stdout);
  const table = opts.json ? null : new StreamingTable(HEADER, (s) => out.write(s));
  let invalid = 0;
  const answer = (r: Result): void => {
    if (isFailure(r)) invalid++;
    if (table) table.push(row(r));
    else out.write(JSON.stringify(r) + '\n');
  };
  const enricher = ctx.enricher;
  const counted = (_label: string, failed: boolean): void => {
    if (failed) invalid++;
  };
  // JSON lines are the prebuilt answers, repeated addresses from the answer cache.
  const one = table ? (ip: string) => answer(enricher.lookup(ip)) : (ip: string) => out.write(enricher.lookupCached(ip, counted) + '\n');
  if (ips.length > 0 && !table) {
    // Arguments are known at once: the batch path, written in one piece.
    const answers = enricher.lookupMany(ips, counted);
    out.write(answers.length ? answers.join('\n') + '\n' : '');
  } else if (ips.length > 0) {
    for (const ip of ips) {
      one(ip);
      if (out.full) await out.flush();
      if (out.closed) break;
    }
  } else {
    let lineNo = 0;
    for await (const line of readLines(io.stdin, lineOptions)) {
      lineNo++;
      if (typeof line !== 'string') answer(overlong(lineNo, line.limit));
      else if (line.trim() !== '') one(line);
      if (out.full) {
        await out.flush();
        // Stop reading: the rest would go nowhere.
        if (out.closed) break;
      }
    }
  }
  if (!out.closed) table?.end();
  await out.flush();
  // Stdout failed: main says why (nothing when the reader just went away, `| head -1`).
  if (out.closed) return isClosedPipe(out.error) ? EXIT_OK : EXIT_FAILURE;
  return invalid > 0 ? EXIT_FAILURE : EXIT_OK;
}
