// Scenario `enrich`: the enrich function over the real Sysmon events, against the JSON.parse + JSON.stringify floor.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLists } from '../src/lists/index.js';
import { Enricher, Rules, enrichLine } from '../src/enrich/index.js';
import { DEFAULT_ADDRESS_FIELDS } from '../src/config/index.js';
import { SHARED_DATA, measure, type Row } from './harness.js';
import { REAL_SOURCES } from './real-lists.js';

export async function run(): Promise<Row[]> {
  const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  const enricher = new Enricher(
    set.classifier,
    { addressFields: DEFAULT_ADDRESS_FIELDS, field: 'IPDestination', detailsField: 'ipdest', addTags: false },
    new Rules([
      { name: 'watch-lolbins', action: 'keep', images: ['*\\powershell.exe', '*\\rundll32.exe', '*\\mshta.exe'] },
      { name: 'microsoft-noise', action: 'drop', tags: ['Microsoft'], ports: [80, 443] },
    ]),
  );
  const dir = resolve(SHARED_DATA, 'sysmon');
  const lines = readdirSync(dir)
    .filter((f) => f.includes('eid3'))
    .flatMap((f) =>
      readFileSync(resolve(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim()),
    );
  const bytes = lines.reduce((n, l) => n + l.length, 0);
  // ~1M events: the real lines, repeated.
  const total = Math.ceil(1_000_000 / lines.length) * lines.length;
  const ev = (i: number) => lines[i % lines.length]!;
  const floor = measure(total, (i) => JSON.stringify(JSON.parse(ev(i))).length, 2, 1);
  const ours = measure(total, (i) => enrichLine(enricher, ev(i), i).text.length, 2, 1);
  return [
    {
      scenario: 'enrich',
      name: 'JSON.parse + JSON.stringify (floor)',
      opsPerSec: floor,
      note: `${lines.length} real Sysmon EID 3 events (avg ${Math.round(bytes / lines.length)} B) × ${total / lines.length}`,
    },
    {
      scenario: 'enrich',
      name: 'ipdest enrichLine (parse, enrich, rules; details spliced into the line)',
      opsPerSec: ours,
      ratio: ours / floor,
      baseline: 'floor',
      note: 'target ≥ 0.70×',
    },
  ];
}
