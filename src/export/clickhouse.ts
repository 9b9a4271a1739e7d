// ClickHouse: a TSV of prefixes for an ip_trie dictionary (most specific prefix wins) and the CREATE DICTIONARY beside it.
import type { ExportOutput } from './output.js';
import type { ExportSource } from './pieces.js';
import { cells, COLUMNS, prefixRows, type Row } from './rows.js';

/** TabSeparated escaping: backslash, tab and newline are the three characters a field cannot hold as they are. */
const tsv = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

export function clickhouseDdl(path: string): string {
  const cols = COLUMNS.map((c) => `    ${c === 'network' ? 'prefix' : c} String`).join(',\n');
  return `-- ipdest export: an ip_trie dictionary; dictGet takes the most specific prefix holding the address.
CREATE DICTIONARY IF NOT EXISTS ipdest
(
${cols}
)
PRIMARY KEY prefix
SOURCE(FILE(path '${path.replace(/'/g, "\\'")}' format 'TabSeparatedWithNames'))
LAYOUT(IP_TRIE)
LIFETIME(MIN 300 MAX 3600);
-- e.g. SELECT dictGetOrDefault('ipdest', 'label', toIPv6(destination_ip), 'Unlisted') FROM connections
`;
}

export function writeClickhouse(src: ExportSource, path: string): { output: ExportOutput; rows: readonly Row[] } {
  const rows = prefixRows(src);
  const lines = [COLUMNS.map((c) => (c === 'network' ? 'prefix' : c)).join('\t'), ...rows.map((r) => cells(r).map(tsv).join('\t'))];
  return {
    output: {
      kind: 'file',
      files: [
        { name: '.sql', data: clickhouseDdl(path) },
        { name: '', data: lines.join('\n') + '\n' },
      ],
    },
    rows,
  };
}
