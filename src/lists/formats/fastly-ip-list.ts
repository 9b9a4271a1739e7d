// Format `fastly-ip-list`: Fastly's public-ip-list JSON, `{"addresses": [...], "ipv6_addresses": [...]}`.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { expectArray, isObject, lineOfKey, parseJsonFile } from './json-source.js';

/** Both arrays hold plain CIDR strings; the file carries no version. `ipv6_addresses` may be absent, as AWS's IPv6 key may. */
export function parseFastlyIpList(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object with "addresses"');
  const set = new EntrySet(file);
  for (const key of ['addresses', 'ipv6_addresses']) {
    if (doc[key] === undefined && key === 'ipv6_addresses') continue;
    for (const p of expectArray(doc[key], file, text, key)) {
      if (typeof p !== 'string')
        throw new ListFormatError(file, lineOfKey(text, key), JSON.stringify(p) ?? '', `every element of "${key}" must be a CIDR string`);
      set.addJsonValue(text, p, undefined, undefined, ` in "${key}"`);
    }
  }
  return set.finish(null);
}
