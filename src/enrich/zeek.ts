// Zeek logs: the TSV header (`#separator`, `#fields`, unset and empty markers) and its rows as field maps.

/**
 * The columns of a Zeek conn.log as Zeek writes them by default (ts uid id.orig_h …): a file whose
 * header was cut off is read with these, when its rows have at least as many cells.
 */
export const DEFAULT_CONN_FIELDS: readonly string[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
];

/** A row: its fields by name (unset `-` and empty `(empty)` cells left out), or why it is no row. */
export type ZeekRow = { readonly fields: Readonly<Record<string, string>> } | { readonly error: string };

/** `\x09` → a tab: Zeek writes its separator escaped in the `#separator` line. */
function unescapeSeparator(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Reads one Zeek TSV log line by line. Header lines (`#…`) set the separator, markers and the
 * column names; every other line is a row. A row with fewer cells than `#fields` (the last line of
 * a file cut off mid-write) is an error, never a row with its last columns missing.
 */
export class ZeekTsv {
  separator = '\t';
  unset = '-';
  empty = '(empty)';
  fields: readonly string[] | null = null;

  /** Takes a `#…` line; true when it was a header line this reader knows (other `#` lines are comments). */
  header(line: string): boolean {
    const m = /^#(separator|set_separator|empty_field|unset_field|path|open|close|fields|types)(?:[ \t]|$)/.exec(line);
    if (m === null) return false;
    const key = m[1]!;
    if (key === 'separator') {
      this.separator = unescapeSeparator(line.slice(m[0].length).trim()) || '\t';
      return true;
    }
    const rest = line.slice(m[0].length);
    const cells = rest.split(this.separator);
    if (key === 'fields') this.fields = cells;
    else if (key === 'unset_field') this.unset = cells[0] ?? '-';
    else if (key === 'empty_field') this.empty = cells[0] ?? '(empty)';
    return true;
  }

  /** One data line, split on the separator into the named fields. */
  row(line: string, fields: readonly string[] | null = this.fields): ZeekRow {
    if (fields === null) return { error: 'Zeek row before any #fields header' };
    const cells = line.split(this.separator);
    if (cells.length < fields.length) return { error: `truncated Zeek row: ${cells.length} of ${fields.length} fields` };
    const out = Object.create(null) as Record<string, string>;
    for (let i = 0; i < fields.length; i++) {
      const c = cells[i]!;
      if (c !== this.unset && c !== this.empty) out[fields[i]!] = c;
    }
    return { fields: out };
  }
}
