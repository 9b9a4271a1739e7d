// Format `geofeed`: RFC 8805 self-published geofeeds, `prefix,country,region,city,postal` with `#` comments.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { readCsv } from './csv-rows.js';
import { HeaderVersion } from './header-version.js';
import { splitLines } from './text-lines.js';

const COUNTRY = /^[A-Z]{2}$/;
const SUBDIVISION = /^([A-Z]{2})-[A-Z0-9]{1,3}$/;

/**
 * Regions are the country (ISO 3166-1 alpha-2, `US`) and, when the region cell is an ISO 3166-2
 * code of that country (`US-TX`), that code as well: the code carries its country, so the two never
 * clash, and a rule can name a state as easily as a country. City and postal code are not kept
 * (they are for geolocation, not for naming who holds an address). Services are empty.
 *
 * Strict where a bad file shows: the prefix must parse and the country must be empty or two
 * letters (a misaligned column fails here). A region cell that is not a code of the country is
 * free text some feeds write (RFC 8805 only says SHOULD) and is skipped, not an error. Cells past
 * the fifth are allowed (the RFC reserves them). The version is a `# Last modified:` header, where
 * the feed writes one (Linode does, DigitalOcean does not).
 */
export function parseGeofeed(text: string, file: string): ParsedList {
  const lines = splitLines(text, file);
  const header = new HeaderVersion();
  let entries = 0;
  // Comment lines become blank (readCsv skips them) so the CSV reader still numbers every line.
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trimStart();
    if (t.startsWith('#')) {
      if (entries === 0) header.comment(t.replace(/^#+/, ''));
      lines[i] = '';
    } else if (t !== '') entries++;
  }
  const set = new EntrySet(file);
  for (const row of readCsv(lines.join('\n'), file)) {
    const [prefix = '', country = '', region = ''] = row.cells.map((c) => c.trim());
    const cc = country.toUpperCase();
    if (cc !== '' && !COUNTRY.test(cc)) {
      throw new ListFormatError(file, row.line, row.cells.join(','), `the country ${JSON.stringify(country)} is not an ISO 3166-1 alpha-2 code`);
    }
    const sub = SUBDIVISION.exec(region.toUpperCase());
    set.add(prefix, row.line, undefined, sub !== null && sub[1] === cc ? [cc, sub[0]] : cc);
  }
  return set.finish(header.version);
}
