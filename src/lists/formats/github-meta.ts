// Format `github-meta`: GitHub's /meta JSON; each key holding a CIDR array is a service, the rest is ignored.
import { PrefixParseError, parsePrefixLoose } from '../../net/index.js';
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { isObject, lineOfKey, lineOfValue, parseJsonFile } from './json-source.js';

/**
 * GitHub adds service keys (`copilot`, `actions_macos`, …) without notice, so no key list is kept:
 * a key is a service when its value is an array whose every element is a string that parses as a
 * prefix (a bare address included, as in the other formats). Objects, booleans and arrays of which
 * no element is a prefix (`ssh_keys`) are not IP data and are skipped. An array that mixes
 * prefixes with other values is an error naming the key: it is neither, and guessing would either
 * drop GitHub addresses or load key text as a prefix. An empty array is a service with no prefixes.
 *
 * A prefix under several keys is one entry whose services are all of them; keys are walked in
 * sorted order so each entry's services come out sorted (EntrySet keeps first-seen order and
 * drops repeats). The file carries no version.
 */
export function parseGithubMeta(text: string, file: string): ParsedList {
  const doc = parseJsonFile(text, file);
  if (!isObject(doc)) throw new ListFormatError(file, 1, '', 'expected a JSON object of GitHub services (the /meta API)');
  const set = new EntrySet(file);
  let services = 0;
  for (const key of Object.keys(doc).sort()) {
    const value = doc[key];
    if (!Array.isArray(value)) continue;
    let firstPrefix: string | undefined;
    let firstOther: unknown;
    let others = 0;
    for (const v of value) {
      if (typeof v === 'string' && !(parsePrefixLoose(v) instanceof PrefixParseError)) firstPrefix ??= v;
      else if (others++ === 0) firstOther = v;
    }
    if (others === 0) {
      services++;
      for (const p of value as string[]) set.addJsonValue(text, p, key);
      continue;
    }
    if (firstPrefix !== undefined) {
      const shown = typeof firstOther === 'string' ? firstOther : (JSON.stringify(firstOther) ?? String(firstOther));
      const line = typeof firstOther === 'string' ? lineOfValue(text, firstOther) : lineOfKey(text, key);
      throw new ListFormatError(file, line, shown, `key "${key}" mixes prefixes with ${others} other value${others === 1 ? '' : 's'}`);
    }
  }
  if (services === 0) throw new ListFormatError(file, 1, '', 'no key holds an array of prefixes: not GitHub /meta JSON');
  return set.finish(null);
}
