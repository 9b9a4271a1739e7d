// Loading the owner table: the dataset files read and built once, then kept in a checked cache file for the next start.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { PrefixTable } from '../net/index.js';
import { readListFile } from './load.js';
import { MmdbOwners } from './owner-mmdb.js';
import { OwnerRecord, OwnerTable, OwnerTableBuilder, type OwnerSource, type OwnerSourceInfo } from './owners.js';

/** What to load (the config's `owners`, resolved to absolute paths). */
export interface OwnerSettings {
  readonly enabled: boolean;
  /** `start,end,asn,org` files. */
  readonly asn: readonly string[];
  /** `start,end,country` files. */
  readonly country: readonly string[];
  /** Where the built table is cached; null: never cached. */
  readonly cacheDir: string | null;
  /** MaxMind-format files (GeoLite2-ASN, -Country) to read owners from instead of the range files. */
  readonly mmdb?: readonly string[];
}

/** The owner layer's state, as /lists and `lists show` report it. */
export interface OwnersInfo {
  readonly state: 'loaded' | 'off' | 'failed';
  readonly sources: readonly OwnerSourceInfo[];
  readonly prefixes: { readonly v4: number; readonly v6: number };
  /** Whether the table came from the cache file (else it was built from the files). */
  readonly cached: boolean;
  readonly ms: number;
  readonly error: string | null;
}

export interface LoadedOwners {
  readonly table: OwnerSource | null;
  readonly info: OwnersInfo;
}

const require = createRequire(import.meta.url);

/** A package's folder, or null when it is not installed. */
function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * The datasets ipdest installs with it (npm dependencies): @ip-location-db/asn (RouteViews and
 * DB-IP ASN Lite, CC BY 4.0) and @ip-location-db/geo-whois-asn-country (CC0). Null when absent.
 */
export function bundledOwnerFiles(): { asn: string[]; country: string[]; sources: OwnerSourceInfo[] } | null {
  const asn = packageDir('@ip-location-db/asn');
  const country = packageDir('@ip-location-db/geo-whois-asn-country');
  if (asn === null || country === null) return null;
  const version = (dir: string) => (require(join(dir, 'package.json')) as { version: string }).version;
  const files = {
    asn: [join(asn, 'asn-ipv4.csv'), join(asn, 'asn-ipv6.csv')],
    country: [join(country, 'geo-whois-asn-country-ipv4.csv'), join(country, 'geo-whois-asn-country-ipv6.csv')],
  };
  return {
    ...files,
    sources: [
      {
        name: `@ip-location-db/asn ${version(asn)}`,
        files: files.asn,
        ranges: 0,
        licence: 'CC BY 4.0: RouteViews and DB-IP IP to ASN Lite (https://db-ip.com), via ip-location-db',
      },
      {
        name: `@ip-location-db/geo-whois-asn-country ${version(country)}`,
        files: files.country,
        ranges: 0,
        licence: 'CC0 1.0: geo-whois-asn-country, via ip-location-db',
      },
    ],
  };
}

const OFF: OwnersInfo = Object.freeze({ state: 'off', sources: [], prefixes: { v4: 0, v6: 0 }, cached: false, ms: 0, error: null });

/** Bumped when the cache layout or the build's rules change: old cache files are then not read. */
const CACHE_FORMAT = 'ipdest-owners-2';
const MAGIC = Buffer.from('IPDOWN02');

/**
 * Loads the owner table. Never throws: a file that cannot be read or parsed makes the layer
 * `failed` (results then carry no owner) with the reason, as a list that fails does not stop the rest.
 */
export async function loadOwners(s: OwnerSettings, sources: readonly OwnerSourceInfo[] = []): Promise<LoadedOwners> {
  if (!s.enabled) return { table: null, info: OFF };
  const t0 = performance.now();
  if (s.mmdb !== undefined && s.mmdb.length > 0) {
    try {
      const m = await MmdbOwners.open(s.mmdb);
      return { table: m, info: info(m, false, t0) };
    } catch (err) {
      return { table: null, info: { ...OFF, state: 'failed', ms: performance.now() - t0, error: (err as Error).message } };
    }
  }
  if (s.asn.length === 0 && s.country.length === 0) return { table: null, info: OFF };
  try {
    const key = await cacheKey(s);
    const file = s.cacheDir === null ? null : join(s.cacheDir, `owners-${key}.bin`);
    if (file !== null) {
      const hit = await readCache(file);
      if (hit !== null) return { table: hit, info: info(hit, true, t0) };
    }
    const b = new OwnerTableBuilder();
    const counts = new Map<string, number>();
    for (const f of s.asn) counts.set(f, b.addAsnText(await readListFile(f), f));
    for (const f of s.country) counts.set(f, b.addCountryText(await readListFile(f), f));
    const named = sources.length > 0 ? sources : [{ name: 'owner files', files: [...s.asn, ...s.country], ranges: 0, licence: '' }];
    for (const src of named) b.describe({ ...src, ranges: src.files.reduce((n, f) => n + (counts.get(f) ?? 0), 0) });
    const table = b.build();
    // A cache that cannot be written (a read-only home) only costs the next start the build.
    if (file !== null) await writeCache(file, table).catch(() => undefined);
    return { table, info: info(table, false, t0) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { table: null, info: { ...OFF, state: 'failed', ms: performance.now() - t0, error: message } };
  }
}

function info(table: OwnerSource, cached: boolean, t0: number): OwnersInfo {
  return Object.freeze({ state: 'loaded', sources: table.sources, prefixes: table.size, cached, ms: performance.now() - t0, error: null });
}

/** The files' identities (path, size, mtime) and the cache format: a changed file is a new key. */
async function cacheKey(s: OwnerSettings): Promise<string> {
  const ids: unknown[] = [CACHE_FORMAT];
  for (const [layer, files] of [
    ['asn', s.asn],
    ['country', s.country],
  ] as const) {
    for (const f of files) {
      const st = await stat(f);
      ids.push([layer, f, st.size, st.mtimeMs]);
    }
  }
  return createHash('sha256').update(JSON.stringify(ids)).digest('hex').slice(0, 24);
}

interface CacheHeader {
  sha256: string;
  nodes: number;
  leaves: number;
  /** Values of the table (one per prefix), as indexes into the owners. */
  values: number;
  /** How many owners, and the UTF-8 bytes of their JSON texts. */
  owners: number;
  ownerBytes: number;
  size: { v4: number; v6: number };
  sources: OwnerSourceInfo[];
}

/**
 * Layout: MAGIC, a 4-byte little-endian header length, the header JSON, then the node and leaf
 * words, each value's owner index and the end of each owner's text (in UTF-16 units of the joined
 * texts) in this machine's byte order, and last the owners' JSON texts joined, as UTF-8 (the
 * header's checksum covers all of the body; a big-endian machine does not use the cache). The
 * owners stay text until a lookup needs one (OwnerRecord.fromText).
 */
async function writeCache(file: string, table: OwnerTable): Promise<void> {
  if (endianness() !== 'LE') return;
  const { nodes, leaves, values, size } = table.arrays();
  // The table holds one value per prefix, all of them a few thousand shared owners: written once each.
  const texts: string[] = [];
  const index = new Map<OwnerRecord, number>();
  const valueOwner = new Int32Array(values.length);
  values.forEach((o, i) => {
    let k = index.get(o);
    if (k === undefined) {
      k = texts.length;
      texts.push(o.text);
      index.set(o, k);
    }
    valueOwner[i] = k;
  });
  const ownerEnds = new Int32Array(texts.length);
  let end = 0;
  texts.forEach((t, i) => (ownerEnds[i] = end += t.length));
  const ownerBytes = Buffer.from(texts.join(''), 'utf8');
  const body = [nodes, leaves, valueOwner, ownerEnds].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  body.push(ownerBytes);
  const hash = createHash('sha256');
  for (const b of body) hash.update(b);
  const header: CacheHeader = {
    sha256: hash.digest('hex'),
    nodes: nodes.length,
    leaves: leaves.length,
    values: values.length,
    owners: texts.length,
    ownerBytes: ownerBytes.length,
    size,
    sources: [...table.sources],
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    for (const b of [MAGIC, length, headerBytes, ...body]) await fh.write(b);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file).catch(async (err: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
}

/** The cached table, or null when there is none or it is not exactly what was written. */
async function readCache(file: string): Promise<OwnerTable | null> {
  if (endianness() !== 'LE') return null;
  let buf: Buffer;
  try {
    buf = await readWhole(file);
  } catch {
    return null;
  }
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return null;
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) return null;
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8')) as CacheHeader;
  } catch {
    return null;
  }
  const bodyAt = 12 + headerLength;
  const counts = [header.nodes, header.leaves, header.values, header.owners];
  if (!isCount(header.ownerBytes) || !counts.every(isCount)) return null;
  const textsAt = bodyAt + 4 * (header.nodes + header.leaves + header.values + header.owners);
  if (textsAt + header.ownerBytes !== buf.length) return null;
  if (createHash('sha256').update(buf.subarray(bodyAt)).digest('hex') !== header.sha256) return null;
  // Copied out into aligned arrays: the file buffer's offset need not be a multiple of 4.
  let at = bodyAt;
  const [nodes, leaves, valueOwner, ownerEnds] = counts.map((c) => {
    const a = new Int32Array(c);
    Buffer.from(a.buffer).set(buf.subarray(at, at + 4 * c));
    at += 4 * c;
    return a;
  }) as [Int32Array, Int32Array, Int32Array, Int32Array];
  const joined = buf.toString('utf8', textsAt);
  const owners: OwnerRecord[] = new Array(header.owners);
  let from = 0;
  for (let k = 0; k < header.owners; k++) {
    const to = ownerEnds[k]!;
    if (to < from || to > joined.length) return null;
    owners[k] = OwnerRecord.fromText(joined.slice(from, to));
    from = to;
  }
  const values: OwnerRecord[] = new Array(valueOwner.length);
  for (let i = 0; i < valueOwner.length; i++) {
    const o = owners[valueOwner[i]!];
    if (o === undefined) return null;
    values[i] = o;
  }
  const table = PrefixTable.fromArrays(nodes, leaves, values, header.size);
  if (typeof table === 'string') return null;
  return OwnerTable.create(table, header.sources);
}

function isCount(c: unknown): c is number {
  return Number.isInteger(c) && (c as number) >= 0;
}

async function readWhole(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
