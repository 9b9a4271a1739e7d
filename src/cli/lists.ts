// `ipdest lists check|show`: per configured list its format, file, prefix counts, warnings and errors; overall readiness.
import { readinessOf, type LoadedList } from '../lists/index.js';
import { loadContext } from './context.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';
import { formatRow, widthsOf } from './table.js';

export interface ListsOptions {
  config?: string;
  json?: boolean;
}

function publicView(l: LoadedList) {
  const { entries: _entries, ...rest } = l;
  return rest;
}

export async function runLists(action: 'check' | 'show', opts: ListsOptions, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  const ctx = await loadContext(opts.config, { quiet: true });
  const lists = ctx.lists.lists;
  const bad = lists.filter((l) => l.state === 'failed' || l.state === 'missing');
  if (opts.json) {
    const r = readinessOf(ctx.lists);
    io.stdout.write(JSON.stringify({ config: ctx.file, status: r.status, missing: r.missing, failed: r.failed, lists: lists.map(publicView) }, null, 2) + '\n');
    return action === 'check' && bad.length > 0 ? EXIT_FAILURE : EXIT_OK;
  }
  const header = action === 'show' ? ['LIST', 'TAG', 'FORMAT', 'STATE', 'V4', 'V6', 'VERSION', 'SOURCE'] : ['LIST', 'FORMAT', 'STATE', 'V4', 'V6', 'SOURCE'];
  const rows = lists.map((l) => {
    const source = l.source ?? (l.format === 'builtin' ? '(built in)' : '-');
    return action === 'show'
      ? [l.name, l.tag, l.format, l.state, String(l.prefixes.v4), String(l.prefixes.v6), l.version ?? '-', source]
      : [l.name, l.format, l.state, String(l.prefixes.v4), String(l.prefixes.v6), source];
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
        : `\n${bad.length} list(s) not loaded from their file: ${bad.map((l) => `${l.name} (${l.state})`).join(', ')}\n`;
  io.stdout.write(text);
  return action === 'check' && bad.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
