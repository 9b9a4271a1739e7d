// The publisher's version or date read from a text list's header comments (FireHOL, Spamhaus, abuse.ch, geofeeds).

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// `Label : value` in a header comment; the label decides what the value is. A version counter
// (FireHOL's `Version : 25992`) is the closest thing to Azure's changeNumber, so it wins over a date.
const VERSION = /^version\s*:\s*(\S+)/i;
const DATED = /^(?:last[- ]modified|last[- ]updated|this file date)\s*:\s*(.+)$/i;

// The date spellings the feeds use, each turned into ISO 8601 (the contract's `published`).
const RFC1123 = /^[a-z]{3}, (\d{1,2}) ([a-z]{3}) (\d{4}) (\d\d:\d\d:\d\d) (?:GMT|UTC)$/i; // Spamhaus Last-Modified
const CTIME_UTC = /^[a-z]{3} ([a-z]{3}) +(\d{1,2}) (\d\d:\d\d:\d\d) UTC (\d{4})$/i; // FireHOL file date
const ISO_LIKE = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?: ?(UTC|GMT|Z))?$/i; // abuse.ch, Linode

/**
 * Collects the header comments' version or date: feed each comment line's text (its `#` or `;`
 * marks already stripped) until the first entry, then read `version`.
 */
export class HeaderVersion {
  #version: string | null = null;
  #date: string | null = null;

  comment(text: string): void {
    // abuse.ch boxes its banner in `#`: `# Last updated: 2021-07-22 09:29:53 UTC      #`.
    const s = text.replace(/\s*#+\s*$/, '').trim();
    const v = VERSION.exec(s);
    if (v !== null) {
      this.#version ??= v[1]!;
      return;
    }
    const d = DATED.exec(s);
    if (d !== null) this.#date ??= isoDate(d[1]!.trim());
  }

  get version(): string | null {
    return this.#version ?? this.#date;
  }
}

/** A feed's date as ISO 8601 (UTC with `Z` where the feed says UTC, else as written); other text as it stands. */
export function isoDate(s: string): string {
  const pad = (n: string) => n.padStart(2, '0');
  const month = (m: string) => pad(String(MONTHS.indexOf(m.toLowerCase()) + 1));
  let m = RFC1123.exec(s);
  if (m !== null && MONTHS.includes(m[2]!.toLowerCase())) return `${m[3]}-${month(m[2]!)}-${pad(m[1]!)}T${m[4]}Z`;
  m = CTIME_UTC.exec(s);
  if (m !== null && MONTHS.includes(m[1]!.toLowerCase())) return `${m[4]}-${month(m[1]!)}-${pad(m[2]!)}T${m[3]}Z`;
  m = ISO_LIKE.exec(s);
  // Linode's `2025-07-24 10:00:06.525037` names no zone: it stays a local time rather than a guessed UTC.
  if (m !== null) return `${m[1]}T${m[2]}${m[3] !== undefined ? 'Z' : ''}`;
  return s;
}
