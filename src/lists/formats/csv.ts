// Format `csv`: any CSV with a header row; the `column` option names the CIDR column (name or 1-based number).
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { readCsv } from './csv-rows.js';
import { splitLines, stripBom } from './text-lines.js';

export interface CsvListOptions {
  /** The header name (case-insensitive) or 1-based position of the CIDR column. */
  readonly column: string | number;
}

const CELL_SEPARATOR = /[\s,]+/;

export function parseCsvList(text: string, file: string, opts: CsvListOptions): ParsedList {
  splitLines(text, file);
  const rows = readCsv(stripBom(text), file);
  const header = rows[0]!;
  let index: number;
  if (typeof opts.column === 'number') {
    index = opts.column - 1;
    if (index < 0 || index >= header.cells.length) {
      throw new ListFormatError(file, header.line, header.cells.join(','), `column ${opts.column} does not exist (the header has ${header.cells.length})`);
    }
  } else {
    const want = opts.column.trim().toLowerCase();
    index = header.cells.findIndex((c) => c.trim().toLowerCase() === want);
    if (index < 0) throw new ListFormatError(file, header.line, header.cells.join(','), `no column named ${JSON.stringify(opts.column)} in the header`);
  }
  const set = new EntrySet(file);
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i]!;
    const cell = row.cells[index];
    if (cell === undefined) throw new ListFormatError(file, row.line, row.cells.join(','), `the row has no column ${index + 1}`);
    // A cell may hold several prefixes ("192.0.0.170/32, 192.0.0.171/32" in IANA's own CSV).
    for (const part of cell.split(CELL_SEPARATOR)) if (part !== '') set.add(part, row.line);
  }
  return set.finish(null);
}
