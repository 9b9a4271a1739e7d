// Format `msft-public-ip-csv`: the Microsoft Public IP Space CSV (`Prefix,Type`, CRLF, a space after the comma).
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { readCsv } from './csv-rows.js';
import { splitLines, stripBom } from './text-lines.js';

export function parseMsftPublicIpCsv(text: string, file: string): ParsedList {
  splitLines(text, file); // rejects an empty file
  const rows = readCsv(stripBom(text), file);
  const set = new EntrySet(file);
  let start = 0;
  const head = rows[0];
  if (head && head.cells[0]!.trim().toLowerCase() === 'prefix') start = 1;
  else if (head && !/[0-9a-f][.:]/i.test(head.cells[0]!)) {
    throw new ListFormatError(file, head.line, head.cells.join(','), 'expected the header "Prefix,Type"');
  }
  for (let i = start; i < rows.length; i++) {
    const row = rows[i]!;
    set.add(row.cells[0]!, row.line);
  }
  return set.finish(null);
}
