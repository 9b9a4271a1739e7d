// A small RFC 4180 CSV reader: quoted cells, doubled quotes, line breaks inside quotes, line numbers.
import { ListFormatError } from '../../errors.js';

export interface CsvRow {
  /** 1-based line of the row's first character. */
  readonly line: number;
  readonly cells: readonly string[];
}

/** Reads every row; blank lines are skipped. */
export function readCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let quoteStartLine = 0;
  let any = false;
  const endRow = (): void => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell.trim() === '') {
      quoted = true;
      quoteStartLine = line;
      cell = '';
      any = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) throw new ListFormatError(file, quoteStartLine, '', 'unterminated quoted cell');
  if (any || cell !== '') endRow();
  return rows;
}
