// Format `oracle-ip-ranges`: OCI public_ip_ranges.json; tags become services, the region its region.
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { expectArray, isObject, lineOfKey, lineOfValue, parseJsonFile, versionOf } from './json-source.js';

/**
 * `regions: [{region, cidrs: [{cidr, tags: [...]}]}]`: every tag (`OCI`, `OSN`, `OBJECT_STORAGE`)
 * is a service of its CIDR and `region` its region; a CIDR under several regions or tags is one
 * entry. The version is `last_updated_timestamp`, as Oracle writes it.
 */
export function parseOracleIpRanges(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object with "regions"');
  const set = new EntrySet(file);
  for (const r of expectArray(doc.regions, file, text, 'regions')) {
    if (!isObject(r) || typeof r.region !== 'string') {
      throw new ListFormatError(
        file,
        lineOfKey(text, 'regions'),
        JSON.stringify(r).slice(0, 120),
        'expected "region" and "cidrs" in every element of "regions"',
      );
    }
    const region = r.region;
    for (const c of expectArray(r.cidrs, file, text, 'cidrs')) {
      const cidr = isObject(c) ? c.cidr : undefined;
      if (typeof cidr !== 'string') {
        throw new ListFormatError(
          file,
          lineOfValue(text, region),
          JSON.stringify(c).slice(0, 120),
          `expected "cidr" in every element of "cidrs" of region ${region}`,
        );
      }
      const tags = isObject(c) && c.tags !== undefined ? c.tags : [];
      if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
        throw new ListFormatError(file, lineOfValue(text, cidr), cidr, `the "tags" of a CIDR in region ${region} must be an array of strings`);
      }
      set.addJsonValue(text, cidr, tags as string[], region, ` in region ${region}`);
    }
  }
  return set.finish(versionOf(doc.last_updated_timestamp));
}
