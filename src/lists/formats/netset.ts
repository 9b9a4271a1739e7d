// Format `netset`: plain-text threat feeds (FireHOL, Spamhaus DROP/EDROP, Feodo, Emerging Threats) and Spamhaus's JSON-lines DROP.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { HeaderVersion } from './header-version.js';
import { isObject } from './json-source.js';
import { splitLines } from './text-lines.js';

// `#` (FireHOL, abuse.ch) and `;` (Spamhaus: `1.10.16.0/20 ; SBL256894`) start a comment anywhere
// on a line; neither can stand in an address, so the split never cuts a prefix.
const COMMENT = /[#;]/;

/**
 * One prefix or bare address a line (a bare one is a /32 or /128); anything else left on a line
 * after its comment is cut is an error naming the line. Services and regions are empty (an SBL id
 * names a Spamhaus record, not a service). The version is the header's own, read from the
 * comments before the first entry: FireHOL's `Version` counter, else a `Last-Modified` (Spamhaus),
 * `Last updated` (abuse.ch) or `This File Date` (FireHOL) as ISO 8601; null where the feed states
 * none (Emerging Threats).
 *
 * Spamhaus also serves DROP as JSON lines (`drop_v4.json`: `{"cidr","sblid","rir"}` a line, then
 * a `{"type":"metadata","timestamp",…}` line). It is the same list from the same publisher, so
 * `netset` takes it too, told apart by its first entry line starting with `{` (no text feed's
 * line can; `#`/`;` comment lines are still skipped); its version is the metadata timestamp as ISO 8601.
 */
export function parseNetset(text: string, file: string): ParsedList {
  const lines = splitLines(text, file);
  const first = lines.find((l) => l.trim() !== '' && !COMMENT.test(l.trimStart()[0]!));
  if (first !== undefined && first.trimStart().startsWith('{')) return parseJsonLines(lines, file);
  const set = new EntrySet(file);
  const header = new HeaderVersion();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const at = raw.search(COMMENT);
    const body = (at >= 0 ? raw.slice(0, at) : raw).trim();
    if (body === '') {
      if (at >= 0 && set.size === 0) header.comment(raw.slice(at).replace(/^[#;]+/, ''));
      continue;
    }
    set.add(body, i + 1);
  }
  return set.finish(header.version);
}

function parseJsonLines(lines: readonly string[], file: string): ParsedList {
  const set = new EntrySet(file);
  let version: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw[0] === '#' || raw[0] === ';') continue; // comment lines stay allowed, as in the text form
    const line = i + 1;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (err) {
      throw new ListFormatError(file, line, raw, `invalid JSON line (${(err as Error).message})`);
    }
    if (isObject(record) && record.type === 'metadata') {
      const at = typeof record.timestamp === 'number' ? new Date(record.timestamp * 1000) : undefined;
      // A timestamp out of Date's range is no date; toISOString would throw a RangeError on it.
      if (at !== undefined && !Number.isNaN(at.getTime())) version = at.toISOString().replace('.000Z', 'Z');
      continue;
    }
    if (!isObject(record) || typeof record.cidr !== 'string')
      throw new ListFormatError(file, line, raw, 'expected {"cidr": …} or the metadata record on every line');
    set.add(record.cidr, line);
  }
  return set.finish(version);
}
