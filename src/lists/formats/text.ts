// Format `text`: one CIDR or address a line, `#` comments, blank lines.
import { EntrySet, type ParsedList } from './entry-set.js';
import { splitLines } from './text-lines.js';

export function parseTextList(text: string, file: string): ParsedList {
  const lines = splitLines(text, file);
  const set = new EntrySet(file);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const hash = raw.indexOf('#');
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (body === '') continue;
    set.add(body, i + 1);
  }
  return set.finish(null);
}
