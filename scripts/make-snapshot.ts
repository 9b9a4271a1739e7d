// Writes snapshot/public-lists.json.gz from the official files in ../shared/data: the default config's lists, parsed by ipdest itself.
//
//   node --import tsx scripts/make-snapshot.ts [--data DIR] [--out FILE]     (npm run snapshot)
//
// The same official files give the same bytes: nothing of the run (time, paths) goes in.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../src/config/index.js';
import { encodeSnapshot, parseList, publishedOf, SNAPSHOT_FILE, type ListFormat, type SnapshotList } from '../src/lists/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where each default list's official file sits in the data folder. Azure's is the newest dated
 * Public file (the dated name sorts by date); the rest have one fixed name each.
 */
const FILES: Record<string, (dir: string) => string> = {
  azure: (dir) => newest(join(dir, 'azure'), /^ServiceTags_Public_\d{8}\.json$/),
  microsoft: (dir) => join(dir, 'microsoft', 'msft-public-ips.csv'),
  aws: (dir) => join(dir, 'aws', 'ip-ranges.json'),
  'google-cloud': (dir) => join(dir, 'google', 'cloud.json'),
  google: (dir) => join(dir, 'google', 'goog.json'),
};

/**
 * The download address when the config has none: Azure's changes with every weekly file, so the
 * config leaves it out; this is the Download Center page that links the current one.
 */
const PAGE_URL: Record<string, string> = {
  azure: 'https://www.microsoft.com/en-us/download/details.aspx?id=56519',
};

function newest(dir: string, name: RegExp): string {
  const found = readdirSync(dir)
    .filter((f) => name.test(f))
    .sort();
  if (found.length === 0) throw new Error(`no file like ${name} in ${dir}`);
  return join(dir, found[found.length - 1]!);
}

/**
 * The date the data folder's README gives a file that carries none itself (the Microsoft CSV):
 * the first ISO date in its row's "date / version" cell (`committed 2023-10-02`), the day the
 * mirror took the download. Null when the README has no such row.
 */
function readmeDate(dataDir: string, relPath: string): string | null {
  let readme: string;
  try {
    readme = readFileSync(join(dataDir, 'README.md'), 'utf8');
  } catch {
    return null;
  }
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${relPath}\` |`));
  const cells = row?.split(' | ') ?? [];
  // | path | what it is | source | date / version | …
  const m = /\b(\d{4}-\d{2}-\d{2})\b/.exec(cells[3] ?? '');
  return m ? m[1]! : null;
}

function args(argv: string[]): { data: string; out: string } {
  let data = resolve(ROOT, '..', 'shared', 'data');
  let out = SNAPSHOT_FILE;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = resolve(argv[++i] ?? '');
    else if (a === '--out') out = resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${JSON.stringify(a)} (usage: make-snapshot [--data DIR] [--out FILE])`);
  }
  return { data, out };
}

/** Default lists the snapshot does not hold: no copy of their official file is kept in ../shared/data. */
export const NO_SNAPSHOT: ReadonlySet<string> = new Set(['m365']);

export function makeSnapshot(dataDir: string): { bytes: Buffer; lists: SnapshotList[] } {
  const config = parseConfigText(readFileSync(join(ROOT, 'config', 'ipdest.yaml'), 'utf8'), join(ROOT, 'config', 'ipdest.yaml'));
  const lists: SnapshotList[] = [];
  for (const spec of config.lists) {
    const locate = FILES[spec.name];
    // Lists with no published copy to derive from (Microsoft 365 endpoints) are left to their first download.
    if (locate === undefined && NO_SNAPSHOT.has(spec.name)) continue;
    if (locate === undefined) throw new Error(`the default config's list ${JSON.stringify(spec.name)} has no official file known to make-snapshot`);
    const file = locate(dataDir);
    const raw = readFileSync(file);
    const text = raw.toString('utf8');
    const format: ListFormat = spec.format;
    const parsed = parseList(format, text, basename(file), { column: spec.column });
    const rel = `${basename(dirname(file))}/${basename(file)}`;
    lists.push({
      name: spec.name,
      format,
      published: publishedOf(format, text, file) ?? readmeDate(dataDir, rel),
      origin: {
        file: basename(file),
        sha256: createHash('sha256').update(raw).digest('hex'),
        bytes: raw.length,
        url: spec.url ?? PAGE_URL[spec.name] ?? null,
      },
      parsed,
    });
  }
  return { bytes: encodeSnapshot(lists), lists };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let made: { data: string; out: string; bytes: Buffer; lists: SnapshotList[] };
  try {
    const { data, out } = args(process.argv.slice(2));
    made = { data, out, ...makeSnapshot(data) };
  } catch (err) {
    process.stderr.write(`make-snapshot: ${(err as Error).message}\n(the official files go in ../shared/data, or name their folder with --data DIR)\n`);
    process.exit(1);
  }
  const { out, bytes, lists } = made;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  for (const l of lists) {
    const v4 = l.parsed.entries.filter((e) => e.prefix.version === 4).length;
    process.stdout.write(
      `${l.name.padEnd(13)} ${l.format.padEnd(19)} published ${l.published ?? '(unknown)'}  version ${l.parsed.version ?? '-'}  ` +
        `${v4} IPv4 + ${l.parsed.entries.length - v4} IPv6 from ${l.origin.file} (${l.origin.bytes} bytes)\n`,
    );
  }
  process.stdout.write(`wrote ${out}: ${bytes.length} bytes\n`);
}
