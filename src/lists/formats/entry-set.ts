// EntrySet: collects one list's prefixes, merging repeats and counting normalised host bits.
import { PrefixParseError, parsePrefixLoose, type Prefix } from '../../net/index.js';
import { ListFormatError } from '../../errors.js';

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

  /** Adds one CIDR text; a malformed one fails the whole list with file, line and text. */
  add(text: string, line: number, service?: string, region?: string): void {
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
    if (service && !e.services.includes(service)) e.services.push(service);
    if (region && !e.regions.includes(region)) e.regions.push(region);
  }

  get size(): number {
    return this.#byKey.size;
  }

  finish(version: string | null, extraWarnings: string[] = []): ParsedList {
    const warnings = [...extraWarnings];
    if (this.#hostBits > 0) {
      warnings.push(`${this.#hostBits} prefix${this.#hostBits === 1 ? '' : 'es'} had host bits set and were normalised to the network, e.g. ${this.#firstHostBits}`);
    }
    if (this.#byKey.size === 0) warnings.push('the list holds no prefixes');
    const entries: ListEntry[] = [];
    for (const e of this.#byKey.values()) {
      entries.push(Object.freeze({ prefix: e.prefix, services: Object.freeze(e.services), regions: Object.freeze(e.regions) }));
    }
    return { entries, version, warnings };
  }
}
