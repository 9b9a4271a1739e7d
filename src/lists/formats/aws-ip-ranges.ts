// Format `aws-ip-ranges`: AWS ip-ranges.json; each prefix appears once per service, merged into one entry.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { expectArray, isObject, lineOfValue, parseJsonFile, versionOf } from './json-source.js';

export function parseAwsIpRanges(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object with "prefixes"');
  const set = new EntrySet(file);
  const groups: Array<[string, string]> = [
    ['prefixes', 'ip_prefix'],
    ['ipv6_prefixes', 'ipv6_prefix'],
  ];
  for (const [key, field] of groups) {
    if (doc[key] === undefined && key === 'ipv6_prefixes') continue;
    for (const item of expectArray(doc[key], file, text, key)) {
      const p = isObject(item) ? item[field] : undefined;
      if (typeof p !== 'string')
        throw new ListFormatError(file, lineOfValue(text, field), JSON.stringify(item).slice(0, 120), `expected "${field}" in every element of "${key}"`);
      const service = isObject(item) && typeof item.service === 'string' ? item.service : undefined;
      const region = isObject(item) && typeof item.region === 'string' ? item.region : undefined;
      set.addJsonValue(text, p, service, region);
    }
  }
  return set.finish(versionOf(doc.syncToken));
}
