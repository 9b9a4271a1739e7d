// Splunk: a lookup CSV ordered most specific first (a CIDR lookup takes the first matching row in file order) and its transforms.conf stanza.
import { basename } from 'node:path';
import type { ExportOutput } from './output.js';
import type { ExportSource } from './pieces.js';
import { cells, COLUMNS, mostSpecificFirst, prefixRows, type Row } from './rows.js';

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function splunkStanza(path: string): string {
  return `# ipdest export: the lookup ${basename(path)}; rows are ordered most specific first, so max_matches = 1 takes the longest prefix.
[ipdest]
filename = ${basename(path)}
match_type = CIDR(network)
max_matches = 1
# e.g. | lookup ipdest network AS dest_ip OUTPUT label tag list services | fillnull value=Unlisted label
`;
}

export function writeSplunk(src: ExportSource, path: string): { output: ExportOutput; rows: readonly Row[] } {
  const rows = mostSpecificFirst(prefixRows(src));
  const lines = [COLUMNS.join(','), ...rows.map((r) => cells(r).map(csvField).join(','))];
  return {
    output: {
      kind: 'file',
      files: [
        { name: '.transforms.conf', data: splunkStanza(path) },
        { name: '', data: lines.join('\n') + '\n' },
      ],
    },
    rows,
  };
}
