// Format `google-ip-ranges`: goog.json (ranges only) and cloud.json (with `service` and `scope`).
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { expectArray, isObject, parseJsonFile, versionOf } from './json-source.js';

export function parseGoogleIpRanges(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object with "prefixes"');
  const set = new EntrySet(file);
  for (const item of expectArray(doc.prefixes, file, text, 'prefixes')) {
    const p = isObject(item) ? (item.ipv4Prefix ?? item.ipv6Prefix) : undefined;
    if (typeof p !== 'string')
      throw new ListFormatError(file, 1, JSON.stringify(item).slice(0, 120), 'expected "ipv4Prefix" or "ipv6Prefix" in every element of "prefixes"');
    const service = isObject(item) && typeof item.service === 'string' ? item.service : undefined;
    const region = isObject(item) && typeof item.scope === 'string' ? item.scope : undefined;
    set.addJsonValue(text, p, service, region);
  }
  return set.finish(versionOf(doc.syncToken));
}
