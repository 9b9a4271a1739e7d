// Layout: dependencies point one way (cli/http → service → enrich → lists → net), other folders only through their index.ts, and each module says its job.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from './helpers/shared-data.js';

const SRC = resolve(PROJECT_ROOT, 'src');
const LAYER: Record<string, number> = { net: 0, lists: 1, config: 2, enrich: 2, export: 2, audit: 3, service: 4, http: 5, cli: 6 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const all = files(SRC);

t.test('imports never point up the layers', async (t) => {
  for (const file of all) {
    const from = relative(SRC, file).split('/')[0]!;
    if (!(from in LAYER)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, resolve(file, '..', m[1]!)).split('/')[0]!;
      if (!(target in LAYER) || target === from) continue;
      t.ok(LAYER[target]! < LAYER[from]!, `${relative(SRC, file)} → ${target}`);
    }
  }
});

t.test('another folder is imported only through its index.ts', async (t) => {
  const bad: string[] = [];
  for (const file of all) {
    const from = relative(SRC, file).split('/')[0]!;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, resolve(file, '..', m[1]!));
      const folder = target.split('/')[0]!;
      if (folder === from || !target.includes('/')) continue; // same folder, or a top-level module (errors.ts)
      if (target !== `${folder}/index.js`) bad.push(`${relative(SRC, file)} → ${target}`);
    }
  }
  t.same(bad, [], 'imports reaching inside another folder');
});

t.test('each module opens with one line on its job', async (t) => {
  for (const file of all) {
    const text = readFileSync(file, 'utf8');
    const first = text.startsWith('#!') ? text.split('\n')[1]! : text.split('\n')[0]!;
    t.match(first, /^\/\/ \S/, relative(SRC, file));
  }
});

t.test('no junk-drawer modules', async (t) => {
  t.notOk(
    all.some((f) => /utils?\.ts$|helpers?\.ts$|misc\.ts$/.test(f)),
    'no utils/helpers/misc',
  );
});
