// Format `ranges-csv`: `start,end[,…]` address ranges a line (ip-location-db, DB-IP lite, iptoasn), each split into its minimal CIDR cover.
import { AddrParseError, AddrRangeError, parseAddr, rangeToPrefixes, type Addr } from '../../net/index.js';
import { ListFormatError } from '../../errors.js';
import type { ListEntry, ParsedList } from './entry-set.js';
import { splitLines } from './text-lines.js';

// Entries of this format name no services or regions: one frozen empty array serves them all.
const NONE: readonly string[] = Object.freeze([]);

/**
 * Lines are `start,end` with any further columns ignored (asn, org, country: quoted or not, commas
 * in them are harmless as only the first two cells are read). A tab separates the cells as well
 * as a comma (iptoasn's TSV), whichever ends the start cell. `#` starts a comment; blank lines are
 * skipped; there is no header row. Addresses are strict (parseAddr) and may be double-quoted.
 */
export function parseRangesCsv(text: string, file: string): ParsedList {
  const lines = splitLines(text, file);
  // Ranges of one file may overlap or repeat: a prefix is one entry however often it is covered.
  const byKey = new Map<number | string, ListEntry>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const hash = raw.indexOf('#');
    const body = hash >= 0 ? raw.slice(0, hash) : raw;
    if (body.trim() === '') continue;
    const line = i + 1;
    const bad = (reason: string) => new ListFormatError(file, line, raw.trim(), reason);
    const comma = body.indexOf(',');
    const tab = body.indexOf('\t');
    const sep = comma < 0 ? tab : tab < 0 ? comma : Math.min(comma, tab);
    if (sep < 0) throw bad('a range line needs start,end');
    const next = body.indexOf(body[sep]!, sep + 1);
    const start = address(body.slice(0, sep), 'start', bad);
    const end = address(next < 0 ? body.slice(sep + 1) : body.slice(sep + 1, next), 'end', bad);
    const cover = rangeToPrefixes(start, end);
    if (cover instanceof AddrRangeError) throw bad(`invalid range (${cover.reason})`);
    for (const prefix of cover) {
      // An IPv4 key as a number (address · 64 + length, below 2^38): formatting millions of
      // prefixes only to compare them costs more than the whole cover.
      const key = prefix.version === 4 ? prefix.addr.w0 * 64 + prefix.bits : prefix.key;
      if (!byKey.has(key)) byKey.set(key, Object.freeze({ prefix, services: NONE, regions: NONE }));
    }
  }
  const entries = [...byKey.values()];
  const warnings = entries.length === 0 ? ['the list holds no prefixes'] : [];
  return { entries, version: null, warnings };
}

function address(cell: string, which: 'start' | 'end', bad: (reason: string) => ListFormatError): Addr {
  let s = cell.trim();
  if (s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34) s = s.slice(1, -1).trim();
  if (s === '') throw bad(`the range ${which} is empty`);
  if (s.charCodeAt(0) === 91) throw bad(`the range ${which} is bracketed`);
  const a = parseAddr(s);
  if (a instanceof AddrParseError) throw bad(`invalid range ${which} (${a.reason})`);
  return a;
}
