// `ipdest lists check|show`: per configured list its format, source, file, publication date, prefix counts, warnings and errors; overall readiness.
import { isStale, readinessOf, type LoadedList } from '../lists/index.js';
import { loadContext } from './context.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';
import { formatRow, widthsOf } from './table.js';

export interface ListsOptions {
  config?: string;
  json?: boolean;
}

function publicView(l: LoadedList, now: number) {
  const { entries: _entries, ...rest } = l;
  return { ...rest, stale: isStale(l, now) };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}/;

/** The publication date for a table: the day of an ISO time (the JSON keeps it whole), marked when stale. */
function publishedCell(l: LoadedList, now: number): string {
  const day = l.published === null ? '-' : (ISO_DAY.exec(l.published)?.[0] ?? l.published);
  return isStale(l, now) ? `${day} (stale)` : day;
}

/** Not in service from the list's own file: nothing loaded, or the snapshot standing in for an absent file. */
const notFromFile = (l: LoadedList) => l.state === 'failed' || l.state === 'missing' || l.source === 'snapshot';

export async function runLists(action: 'check' | 'show', opts: ListsOptions, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  const ctx = await loadContext(opts.config, { quiet: true });
  const lists = ctx.lists.lists;
  const bad = lists.filter(notFromFile);
  const now = Date.now();
  if (opts.json) {
    const r = readinessOf(ctx.lists, [], now);
    const body = { config: ctx.file, status: r.status, missing: r.missing, stale: r.stale, failed: r.failed, lists: lists.map((l) => publicView(l, now)) };
    io.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return action === 'check' && bad.length > 0 ? EXIT_FAILURE : EXIT_OK;
  }
  const header =
    action === 'show'
      ? ['LIST', 'TAG', 'FORMAT', 'STATE', 'V4', 'V6', 'VERSION', 'PUBLISHED', 'SOURCE', 'FILE']
      : ['LIST', 'FORMAT', 'STATE', 'V4', 'V6', 'SOURCE', 'FILE'];
  const rows = lists.map((l) => {
    const builtin = l.format === 'builtin';
    const source = builtin ? 'builtin' : (l.source ?? '-');
    const file = l.file ?? (builtin ? '(built in)' : '-');
    return action === 'show'
      ? [l.name, l.tag, l.format, l.state, String(l.prefixes.v4), String(l.prefixes.v6), l.version ?? '-', builtin ? '-' : publishedCell(l, now), source, file]
      : [l.name, l.format, l.state, String(l.prefixes.v4), String(l.prefixes.v6), source, file];
  });
  const widths = widthsOf([header, ...rows], 40);
  let text = `config: ${ctx.file ?? '(embedded defaults)'}\n` + formatRow(header, widths) + '\n';
  for (const r of rows) text += formatRow(r, widths) + '\n';
  const notes = lists.flatMap((l) => [...l.warnings.map((w) => `warning: ${l.name}: ${w}`), ...(l.error ? [`error: ${l.name}: ${l.error.message}`] : [])]);
  if (notes.length) text += '\n' + notes.join('\n') + '\n';
  if (action === 'check')
    text +=
      bad.length === 0
        ? `\nok: ${lists.length} lists, ${ctx.lists.classifier.prefixes.v4} IPv4 and ${ctx.lists.classifier.prefixes.v6} IPv6 prefixes\n`
        : `\n${bad.length} list(s) not loaded from their file: ${bad.map((l) => `${l.name} (${l.source === 'snapshot' ? 'served from the snapshot' : l.state})`).join(', ')}\n`;
  io.stdout.write(text);
  return action === 'check' && bad.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
