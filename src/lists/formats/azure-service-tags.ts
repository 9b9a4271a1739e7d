// Format `azure-service-tags`: ServiceTags_Public/China/AzureGovernment JSON; tag names become services.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { expectArray, isObject, lineOfKey, lineOfValue, parseJsonFile, versionOf } from './json-source.js';

/**
 * Every tag (`values[].name`) that lists a prefix is one of its services; a non-empty
 * `properties.region` is one of its regions. A prefix listed by many tags is one entry.
 */
export function parseServiceTags(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object with "values"');
  const values = expectArray(doc.values, file, text, 'values');
  const set = new EntrySet(file);
  for (const tag of values) {
    if (!isObject(tag) || typeof tag.name !== 'string' || !isObject(tag.properties)) {
      throw new ListFormatError(file, lineOfKey(text, 'values'), JSON.stringify(tag).slice(0, 120), 'expected each value to have "name" and "properties"');
    }
    const props = tag.properties;
    const prefixes = expectArray(props.addressPrefixes, file, text, 'addressPrefixes');
    const region = typeof props.region === 'string' && props.region !== '' ? props.region : undefined;
    for (const p of prefixes) {
      if (typeof p !== 'string') throw new ListFormatError(file, lineOfValue(text, tag.name), String(p), `a prefix of tag ${tag.name} is not a string`);
      set.addJsonValue(text, p, tag.name, region, ` in tag ${tag.name}`);
    }
  }
  return set.finish(versionOf(doc.changeNumber));
}
