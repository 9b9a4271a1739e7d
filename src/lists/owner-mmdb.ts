// Owners from the user's own MaxMind-format files (GeoLite2-ASN, GeoLite2-Country/City), read with mmdb-lib.
import { readFile } from 'node:fs/promises';
import { Reader, type Response } from 'mmdb-lib';
import { formatV4, formatV6, type Addr, type ScratchAddr } from '../net/index.js';
import { OwnerRecord, type Owner, type OwnerSource, type OwnerSourceInfo } from './owners.js';

interface MmdbRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
}

/**
 * A file's readers answer per lookup (a tree walk and a record decode in mmdb-lib, about a
 * microsecond): slower than the built-in table, the price of a file ipdest cannot enumerate.
 * Owners are interned, so every answer of one owner shares its record and its JSON text.
 */
export class MmdbOwners implements OwnerSource {
  readonly #readers: Reader<Response>[];
  readonly #interned = new Map<string, OwnerRecord>();
  readonly sources: readonly OwnerSourceInfo[];
  readonly size = { v4: 0, v6: 0 };
  readonly bytes: number;

  private constructor(readers: Reader<Response>[], sources: OwnerSourceInfo[], bytes: number) {
    this.#readers = readers;
    this.sources = Object.freeze(sources);
    this.bytes = bytes;
  }

  /** Opens the files; throws naming the file that is not a MaxMind DB. */
  static async open(files: readonly string[]): Promise<MmdbOwners> {
    const readers: Reader<Response>[] = [];
    const sources: OwnerSourceInfo[] = [];
    let bytes = 0;
    for (const f of files) {
      const buf = await readFile(f);
      let r: Reader<Response>;
      try {
        r = new Reader<Response>(buf);
      } catch (err) {
        throw new Error(`${f}: not a MaxMind DB (${(err as Error).message})`, { cause: err });
      }
      readers.push(r);
      bytes += buf.length;
      sources.push({
        name: `${r.metadata.databaseType} (${new Date(r.metadata.buildEpoch).toISOString().slice(0, 10)})`,
        files: [f],
        ranges: r.metadata.nodeCount,
        licence: 'the file’s own (MaxMind GeoLite2: the GeoLite2 EULA, attribution required)',
      });
    }
    return new MmdbOwners(readers, sources, bytes);
  }

  find(addr: Addr | ScratchAddr): OwnerRecord | undefined {
    const text = addr.version === 4 ? formatV4(addr.w0) : formatV6(addr.w0, addr.w1, addr.w2, addr.w3);
    const o: { asn?: number; org?: string; country?: string } = {};
    for (const r of this.#readers) {
      const rec = r.get(text) as MmdbRecord | null;
      if (rec === null) continue;
      if (o.asn === undefined && typeof rec.autonomous_system_number === 'number') o.asn = rec.autonomous_system_number;
      if (o.org === undefined && typeof rec.autonomous_system_organization === 'string') o.org = rec.autonomous_system_organization;
      const cc = rec.country?.iso_code ?? rec.registered_country?.iso_code;
      if (o.country === undefined && typeof cc === 'string') o.country = cc;
    }
    if (o.asn === undefined && o.org === undefined && o.country === undefined) return undefined;
    const key = `${o.asn ?? ''}\u0000${o.org ?? ''}\u0000${o.country ?? ''}`;
    let rec = this.#interned.get(key);
    if (rec === undefined) {
      // Keys in the contract's order, whatever order the files answered in.
      const owner: Owner = Object.freeze({
        ...(o.asn !== undefined ? { asn: o.asn } : {}),
        ...(o.org !== undefined ? { org: o.org } : {}),
        ...(o.country !== undefined ? { country: o.country } : {}),
      });
      rec = new OwnerRecord(owner);
      this.#interned.set(key, rec);
    }
    return rec;
  }

  ownerOf(addr: Addr | ScratchAddr): Owner | undefined {
    return this.find(addr)?.owner;
  }
}
