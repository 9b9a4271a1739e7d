// `npm run bench`: runs each scenario (or those named), prints the machine line and a table, writes JSON.
import { haveSharedData } from './real-lists.js';
import { SHARED_DATA, machineLine, printTable, writeResults, type Row } from './harness.js';

const SCENARIOS: Record<string, () => Promise<{ run: () => Promise<Row[]> }>> = {
  lookup: () => import('./lookup.js'),
  enrich: () => import('./enrich.js'),
  http: () => import('./http.js'),
  'fast-path': () => import('./fast-path.js'),
  table: () => import('./table.js'),
  export: () => import('./export.js'),
  idle: () => import('./idle.js'),
  audit: () => import('./audit.js'),
  workers: () => import('./workers.js'),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SCENARIOS);
if (!haveSharedData()) {
  console.error(`bench needs the real data in ${SHARED_DATA} (../shared/data beside the project)`);
  process.exit(1);
}
console.log(machineLine());
const all: Row[] = [];
for (const name of names) {
  const load = SCENARIOS[name];
  if (!load) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
  const rows = await (await load()).run();
  all.push(...rows);
  console.log(`wrote ${writeResults(name, rows)}`);
}
console.log('');
printTable(all);
