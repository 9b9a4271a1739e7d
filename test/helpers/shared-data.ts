// Where the real public data lives (../shared/data beside the project), and skipping when it is absent.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = resolve(PROJECT_ROOT, '..', 'shared', 'data');
export const FIXTURES = resolve(PROJECT_ROOT, 'test', 'fixtures');

/** The tap option that skips a test, with a message, when ../shared/data is absent (a fresh clone). */
export function sharedData(...parts: string[]): { skip: string | false } {
  const path = resolve(SHARED_DATA, ...parts);
  return { skip: existsSync(path) ? false : `needs ../shared/data/${parts.join('/')} (real public data beside the project), absent here` };
}

export function dataPath(...parts: string[]): string {
  return resolve(SHARED_DATA, ...parts);
}
