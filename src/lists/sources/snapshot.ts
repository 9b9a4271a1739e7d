// The shipped snapshot of the public lists: one gzip'd JSON file, written by scripts/make-snapshot.ts, read once per process when a list's file is absent.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { parsePrefix, PrefixParseError } from '../../net/index.js';
import { FORMATS, type ListEntry, type ListFormat, type ParsedList } from '../formats/index.js';

/** The file shipped in the repository (and the npm package): `snapshot/` beside `src/` and `dist/`. */
export const SNAPSHOT_FILE = fileURLToPath(new URL('../../../snapshot/public-lists.json.gz', import.meta.url));

/** The snapshot's layout; a reader refuses any other (the file and the code ship together). */
export const SNAPSHOT_LAYOUT = 1;

/** Largest snapshot accepted, compressed and decompressed: the real one is far below (about 1 MB and 4 MB). */
const MAX_COMPRESSED = 16 * 1024 * 1024;
const MAX_TEXT = 64 * 1024 * 1024;

/** Where one list of the snapshot came from: what `make-snapshot` read. */
export interface SnapshotOrigin {
  /** The official file's name as it was read (e.g. `ServiceTags_Public_20251028.json`). */
  readonly file: string;
  /** sha256 of the official file's bytes, hex: whoever has the file can check it is the one. */
  readonly sha256: string;
  readonly bytes: number;
  /** The publisher's download address. */
  readonly url: string | null;
}

/** One list of the snapshot, as `encodeSnapshot` takes it and `readSnapshot` gives it back. */
export interface SnapshotList {
  readonly name: string;
  readonly format: ListFormat;
  /** The publisher's date (ISO 8601), or null when none is known. */
  readonly published: string | null;
  readonly origin: SnapshotOrigin;
  readonly parsed: ParsedList;
}

/**
 * The file's JSON. Entries are kept compact and in the parser's order: each distinct service or
 * region set once in `sets`, each prefix as its canonical text, with the index of its services set
 * and of its regions set beside it (parallel arrays, which gzip squeezes far better than objects).
 * No time of the run is in it: the same official files give the same bytes.
 */
interface SnapshotDoc {
  layout: number;
  note: string;
  lists: Array<{
    name: string;
    format: ListFormat;
    published: string | null;
    version: string | null;
    origin: SnapshotOrigin;
    warnings: string[];
    sets: string[][];
    cidrs: string[];
    services: number[];
    regions: number[];
  }>;
}

const NOTE =
  'Derived by scripts/make-snapshot.ts from the publishers\u2019 official files (named in origin, with their sha256); each publisher\u2019s terms apply to its data.';

/** The snapshot file's bytes for these lists: gzip level 9, header time 0, so the same lists give the same bytes. */
export function encodeSnapshot(lists: readonly SnapshotList[]): Buffer {
  const doc: SnapshotDoc = {
    layout: SNAPSHOT_LAYOUT,
    note: NOTE,
    lists: lists.map((l) => {
      const sets: string[][] = [];
      const ids = new Map<string, number>();
      const idOf = (set: readonly string[]): number => {
        const key = set.join('\u0000');
        let id = ids.get(key);
        if (id === undefined) {
          id = sets.length;
          sets.push([...set]);
          ids.set(key, id);
        }
        return id;
      };
      return {
        name: l.name,
        format: l.format,
        published: l.published,
        version: l.parsed.version,
        origin: { file: l.origin.file, sha256: l.origin.sha256, bytes: l.origin.bytes, url: l.origin.url },
        warnings: [...l.parsed.warnings],
        sets,
        cidrs: l.parsed.entries.map((e) => e.prefix.toString()),
        services: l.parsed.entries.map((e) => idOf(e.services)),
        regions: l.parsed.entries.map((e) => idOf(e.regions)),
      };
    }),
  };
  // Node's gzip writes mtime 0 and no file name in the header: nothing of the run gets in. The
  // header's OS byte is the platform zlib was built for; "unknown" (255) makes it the same everywhere.
  const gz = gzipSync(Buffer.from(JSON.stringify(doc) + '\n', 'utf8'), { level: 9 });
  gz[9] = 255;
  return gz;
}

/** A snapshot file that cannot be used: missing, not gzip, not the layout, a bad prefix. */
export class SnapshotError extends Error {
  constructor(file: string, reason: string) {
    super(`the snapshot ${file} cannot be used: ${reason}`);
    this.name = 'SnapshotError';
  }
}

/** A snapshot as read: its lists by name, each list's entries built on first use (then kept). */
export class Snapshot {
  readonly file: string;
  readonly #lists: ReadonlyMap<string, SnapshotDoc['lists'][number]>;
  readonly #built = new Map<string, SnapshotList>();

  constructor(file: string, doc: SnapshotDoc) {
    this.file = file;
    this.#lists = new Map(doc.lists.map((l) => [l.name, l]));
  }

  get names(): string[] {
    return [...this.#lists.keys()];
  }

  /**
   * The list of this name, when the snapshot has it in this format (a list configured in
   * another format is not the same list); undefined otherwise. Throws SnapshotError for a
   * prefix that does not parse (a damaged file that still passed gzip's check).
   */
  list(name: string, format: ListFormat): SnapshotList | undefined {
    const raw = this.#lists.get(name);
    if (raw === undefined || raw.format !== format) return undefined;
    let built = this.#built.get(name);
    if (built === undefined) {
      built = this.#build(raw);
      this.#built.set(name, built);
    }
    return built;
  }

  #build(raw: SnapshotDoc['lists'][number]): SnapshotList {
    const sets = raw.sets.map((s) => Object.freeze([...s]) as readonly string[]);
    const entries: ListEntry[] = new Array(raw.cidrs.length);
    for (let i = 0; i < raw.cidrs.length; i++) {
      const prefix = parsePrefix(raw.cidrs[i]!);
      if (prefix instanceof PrefixParseError) throw new SnapshotError(this.file, `list ${JSON.stringify(raw.name)}: prefix ${prefix.message}`);
      entries[i] = Object.freeze({ prefix, services: sets[raw.services[i]!]!, regions: sets[raw.regions[i]!]! });
    }
    return {
      name: raw.name,
      format: raw.format,
      published: raw.published,
      origin: raw.origin,
      parsed: { entries, version: raw.version, warnings: raw.warnings },
    };
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown) => v === null || isStr(v);
const isIndexes = (v: unknown, n: number, max: number) =>
  Array.isArray(v) && v.length === n && v.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < max);

/** The checked document of a snapshot's decompressed text; throws SnapshotError naming what is wrong. */
export function decodeSnapshot(text: string, file: string): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(file, `not JSON (${(err as Error).message})`);
  }
  const bad = (reason: string) => new SnapshotError(file, reason);
  if (typeof doc !== 'object' || doc === null) throw bad('not a JSON object');
  const d = doc as Partial<SnapshotDoc>;
  if (d.layout !== SNAPSHOT_LAYOUT) throw bad(`layout ${JSON.stringify(d.layout)}, this ipdest reads layout ${SNAPSHOT_LAYOUT} (run npm run snapshot)`);
  if (!Array.isArray(d.lists)) throw bad('no lists');
  for (const [i, l] of d.lists.entries()) {
    const where = `lists[${i}]`;
    if (typeof l !== 'object' || l === null || !isStr(l.name)) throw bad(`${where} has no name`);
    if (!(FORMATS as readonly string[]).includes(l.format)) throw bad(`${where} (${l.name}): unknown format ${JSON.stringify(l.format)}`);
    if (!isStrOrNull(l.published) || !isStrOrNull(l.version)) throw bad(`${where} (${l.name}): published and version must be strings or null`);
    const o = l.origin as Partial<SnapshotOrigin> | undefined;
    if (!o || !isStr(o.file) || !isStr(o.sha256) || typeof o.bytes !== 'number' || !isStrOrNull(o.url)) throw bad(`${where} (${l.name}): bad origin`);
    if (!Array.isArray(l.warnings) || !l.warnings.every(isStr)) throw bad(`${where} (${l.name}): bad warnings`);
    if (!Array.isArray(l.sets) || !l.sets.every((s) => Array.isArray(s) && s.every(isStr))) throw bad(`${where} (${l.name}): bad sets`);
    if (!Array.isArray(l.cidrs) || !l.cidrs.every(isStr)) throw bad(`${where} (${l.name}): bad cidrs`);
    const n = l.cidrs.length;
    if (!isIndexes(l.services, n, l.sets.length) || !isIndexes(l.regions, n, l.sets.length))
      throw bad(`${where} (${l.name}): services and regions must be one set index per prefix`);
  }
  return new Snapshot(file, d as SnapshotDoc);
}

const gunzipAsync = promisify(gunzip);

async function load(file: string): Promise<Snapshot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SnapshotError(file, code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  if (bytes.length > MAX_COMPRESSED) throw new SnapshotError(file, `${bytes.length} bytes, over the limit of ${MAX_COMPRESSED}`);
  let text: string;
  try {
    text = (await gunzipAsync(bytes, { maxOutputLength: MAX_TEXT })).toString('utf8');
  } catch (err) {
    throw new SnapshotError(file, `not a whole gzip file (${(err as Error).message})`);
  }
  return decodeSnapshot(text, file);
}

// One read per file and process: the snapshot ships with the code and does not change under it.
// A failure is kept too, so a damaged file is one warning per list, not one read per reload.
const cache = new Map<string, Promise<Snapshot>>();

/** The snapshot in `file` (default: the shipped one), read and checked on first call; rejects with SnapshotError. */
export function readSnapshot(file: string = SNAPSHOT_FILE): Promise<Snapshot> {
  let p = cache.get(file);
  if (p === undefined) {
    p = load(file);
    // Callers await it; this keeps a rejection nobody awaits yet from counting as unhandled.
    p.catch(() => undefined);
    cache.set(file, p);
  }
  return p;
}
