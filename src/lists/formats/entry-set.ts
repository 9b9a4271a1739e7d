// EntrySet: collects one list's prefixes, merging repeats and counting normalised host bits.
import { PrefixParseError, parsePrefixLoose, type Prefix } from '../../net/index.js';
import { ListFormatError } from '../../errors.js';
import { lineOfValue } from './json-source.js';

/** One distinct prefix of a list, with the services and regions that name it. */
export interface ListEntry {
  readonly prefix: Prefix;
  readonly services: readonly string[];
  readonly regions: readonly string[];
}

/** What a format parser returns: pure data, no IO. */
export interface ParsedList {
  readonly entries: readonly ListEntry[];
  /** The source's own version (Azure changeNumber, AWS/Google syncToken), or null. */
  readonly version: string | null;
  readonly warnings: readonly string[];
}

/** One name, or several, for `add`. */
type Names = string | readonly string[];

interface Mutable {
  prefix: Prefix;
  services: string[];
  regions: string[];
}

export class EntrySet {
  readonly #byKey = new Map<string, Mutable>();
  readonly #file: string;
  #hostBits = 0;
  #firstHostBits = '';

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Adds one CIDR text; a malformed one fails the whole list with file, line and text. A service
   * or region may be several names (Oracle's tags, a geofeed's country and subdivision), so that
   * one line is one add and its host bits are counted once.
   */
  add(text: string, line: number, service?: Names, region?: Names): void {
    const r = parsePrefixLoose(text);
    if (r instanceof PrefixParseError) throw new ListFormatError(this.#file, line, text, `invalid CIDR (${r.reason})`);
    if (r.hostBitsSet) {
      if (this.#hostBits === 0) this.#firstHostBits = `${text.trim()} → ${r.prefix.toString()} (line ${line})`;
      this.#hostBits++;
    }
    const key = r.prefix.key;
    let e = this.#byKey.get(key);
    if (e === undefined) {
      e = { prefix: r.prefix, services: [], regions: [] };
      this.#byKey.set(key, e);
    }
    if (typeof service === 'string') this.#push(e.services, service);
    else if (service !== undefined) for (const s of service) this.#push(e.services, s);
    if (typeof region === 'string') this.#push(e.regions, region);
    else if (region !== undefined) for (const r of region) this.#push(e.regions, r);
  }

  #push(names: string[], name: string): void {
    if (name && !names.includes(name)) names.push(this.#intern(name));
  }

  /**
   * Adds a CIDR read from a parsed JSON document; a bad one is reported at the line where its
   * text stands in the file (JSON.parse keeps no positions, so it is found only on this error path).
   */
  addJsonValue(fileText: string, cidr: string, service?: Names, region?: Names, where = ''): void {
    try {
      this.add(cidr, 0, service, region);
    } catch (err) {
      if (err instanceof ListFormatError) throw new ListFormatError(this.#file, lineOfValue(fileText, cidr), cidr, `invalid CIDR${where}`);
      throw err;
    }
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** One string per distinct name: a 4 MB Azure file repeats "AzureCloud" 38,000 times. */
  readonly #names = new Map<string, string>();

  #intern(name: string): string {
    const known = this.#names.get(name);
    if (known !== undefined) return known;
    this.#names.set(name, name);
    return name;
  }

  finish(version: string | null, extraWarnings: string[] = []): ParsedList {
    const warnings = [...extraWarnings];
    if (this.#hostBits > 0) {
      warnings.push(
        `${this.#hostBits} prefix${this.#hostBits === 1 ? '' : 'es'} had host bits set and were normalised to the network, e.g. ${this.#firstHostBits}`,
      );
    }
    if (this.#byKey.size === 0) warnings.push('the list holds no prefixes');
    // Prefixes of one list mostly share a handful of service and region sets: one array each.
    const sets = new Map<string, readonly string[]>();
    const shared = (names: string[]): readonly string[] => {
      const key = names.join('\u0000');
      let a = sets.get(key);
      if (a === undefined) {
        a = Object.freeze(names);
        sets.set(key, a);
      }
      return a;
    };
    const entries: ListEntry[] = [];
    for (const e of this.#byKey.values()) {
      entries.push(Object.freeze({ prefix: e.prefix, services: shared(e.services), regions: shared(e.regions) }));
    }
    return { entries, version, warnings };
  }
}
