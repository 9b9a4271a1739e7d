// Loads the real lists in a fresh plain-Node process (compiled dist/) and prints load time and memory.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLists } from '../dist/lists/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const sources = JSON.parse(readFileSync(resolve(here, 'real-lists.json'), 'utf8'));
const set = await loadLists(sources, { baseDir: resolve(here, '..', '..', 'shared', 'data') });
const rssAfterLoad = process.memoryUsage().rss;
globalThis.gc?.();
const m = process.memoryUsage();
// What a settled process holds: a compacting GC hands the parsing garbage's pages back (an idle
// server gets there by itself through V8's memory reducer, lower still).
globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
const settled = process.memoryUsage().rss;
process.stdout.write(
  JSON.stringify({
    ms: set.durationMs,
    rss: rssAfterLoad,
    rssAfterGc: m.rss,
    rssSettled: settled,
    heapUsed: m.heapUsed,
    prefixes: set.classifier.prefixes,
    tableBytes: set.classifier.tableBytes,
  }) + '\n',
);
