// Format `m365-endpoints`: the Microsoft 365 endpoints web service JSON; each set's service area names its `ips`.
import { PrefixParseError, parsePrefixLoose, type Prefix } from '../../net/index.js';
import { ListFormatError } from '../../errors.js';
import { EntrySet, type ParsedList } from './entry-set.js';
import { isObject, lineAt, lineOfValue, parseJsonFile } from './json-source.js';

/** What an endpoint set says about its prefixes beyond the service area, for a later change to carry. */
export interface M365SetDetail {
  readonly id: number;
  readonly serviceArea: string;
  /** `Optimize`, `Allow` or `Default`. */
  readonly category: string;
  readonly required: boolean;
  /** As the service writes them: a port or a `from-to` range each (`"80,443"`, `"3478-3481"`). */
  readonly tcpPorts: readonly string[];
  readonly udpPorts: readonly string[];
}

/** One distinct prefix and every endpoint set that lists it, in file order. */
export interface M365PrefixDetails {
  readonly prefix: Prefix;
  readonly sets: readonly M365SetDetail[];
}

interface EndpointSet extends M365SetDetail {
  readonly ips: readonly string[];
}

const PORT = /^\d{1,5}(?:-\d{1,5})?$/;

/**
 * An array of endpoint sets (`{id, serviceArea, urls?, ips?, tcpPorts?, udpPorts?, category,
 * expressRoute, required, notes?}`); only `ips` make entries, sets of URLs only are skipped. Each
 * entry's services are the service areas (`Exchange`, `SharePoint`, `Skype`, `Common`) of the sets
 * that list it. The category and ports stay out of the entry (it has only services and regions):
 * parseM365Details gives them. The body has no version (the service answers it at /version).
 */
export function parseM365Endpoints(text: string, file: string): ParsedList {
  const set = new EntrySet(file);
  for (const s of readSets(text, file)) for (const ip of s.ips) set.addJsonValue(text, ip, s.serviceArea, undefined, ` in endpoint set id ${s.id}`);
  return set.finish(null);
}

/** Per distinct prefix, the details of each set that lists it; fails exactly where parseM365Endpoints fails. */
export function parseM365Details(text: string, file: string): M365PrefixDetails[] {
  const set = new EntrySet(file);
  const byKey = new Map<string, { prefix: Prefix; sets: M365SetDetail[] }>();
  for (const s of readSets(text, file)) {
    const { ips: _ips, ...detail } = s;
    const frozen = Object.freeze(detail);
    for (const ip of s.ips) {
      set.addJsonValue(text, ip, s.serviceArea, undefined, ` in endpoint set id ${s.id}`); // the same errors as the entries
      const r = parsePrefixLoose(ip);
      if (r instanceof PrefixParseError) continue; // not reached: addJsonValue threw
      let e = byKey.get(r.prefix.key);
      if (e === undefined) byKey.set(r.prefix.key, (e = { prefix: r.prefix, sets: [] }));
      if (!e.sets.includes(frozen)) e.sets.push(frozen);
    }
  }
  return [...byKey.values()].map((e) => Object.freeze({ prefix: e.prefix, sets: Object.freeze(e.sets) }));
}

function readSets(text: string, file: string): EndpointSet[] {
  const doc = parseJsonFile(text, file);
  if (!Array.isArray(doc)) {
    throw new ListFormatError(
      file,
      1,
      '',
      "expected a JSON array of endpoint sets (the endpoints web service's answer for an instance, e.g. /endpoints/worldwide)",
    );
  }
  return doc.map((item, index): EndpointSet => {
    let line = 1;
    let name = `element ${index + 1}`;
    const bad = (why: string): ListFormatError => new ListFormatError(file, line, JSON.stringify(item)?.slice(0, 120) ?? '', `endpoint set ${name}: ${why}`);
    if (!isObject(item)) throw bad('expected an object');
    const id = item.id;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw bad('expected a numeric "id"');
    // JSON.parse keeps no positions: the set's own `"id": N` is the landmark its errors point at.
    const at = new RegExp(`"id"\\s*:\\s*${id}\\b`).exec(text);
    line = at === null ? 1 : lineAt(text, at.index);
    name = `id ${id}`;
    if (typeof item.serviceArea !== 'string' || item.serviceArea === '') throw bad('expected a "serviceArea" string');
    if (typeof item.category !== 'string') throw bad('expected a "category" string');
    const ips = item.ips ?? [];
    if (!Array.isArray(ips)) throw bad('"ips" must be an array');
    for (const ip of ips) if (typeof ip !== 'string') throw bad(`"ips" holds a non-string ${JSON.stringify(ip)}`);
    const ports = (key: 'tcpPorts' | 'udpPorts'): string[] => {
      const v = item[key];
      if (v === undefined || v === '') return [];
      if (typeof v !== 'string') throw bad(`"${key}" must be a string of ports`);
      const list = v.split(',').map((p) => p.trim());
      const wrong = list.find((p) => !PORT.test(p));
      if (wrong !== undefined)
        throw new ListFormatError(file, lineOfValue(text, v), v, `endpoint set id ${id}: "${key}" holds ${JSON.stringify(wrong)}, not a port or range`);
      return list;
    };
    return {
      id,
      serviceArea: item.serviceArea,
      category: item.category,
      required: item.required === true,
      tcpPorts: Object.freeze(ports('tcpPorts')),
      udpPorts: Object.freeze(ports('udpPorts')),
      ips: ips as string[],
    };
  });
}
