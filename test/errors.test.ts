// Error codes and docs/errors.md stay in step, both ways.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_CODES } from '../src/errors.js';
import { PROJECT_ROOT } from './helpers/shared-data.js';

const doc = readFileSync(resolve(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');
const rows = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (\d) \|/gm)].map((m) => [m[1]!, { status: Number(m[2]), exit: Number(m[3]) }]));

t.test('every code is documented with its status and exit code', async (t) => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    t.same(rows.get(code), { status: spec.status, exit: spec.exit }, code);
  }
});

t.test('every documented code exists', async (t) => {
  for (const code of rows.keys()) t.ok(code in ERROR_CODES, `${code} is declared in src/errors.ts`);
});
