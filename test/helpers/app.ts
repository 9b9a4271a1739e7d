// Starting the real app for tests: a config over fixture lists in a temp folder, a silent logger.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { buildApp, type AppOptions, type IpdestApp } from '../../src/http/index.js';
import { ServiceState } from '../../src/service/index.js';
import { FIXTURES } from './shared-data.js';

export interface TestApp {
  app: IpdestApp;
  state: ServiceState;
  dir: string;
}

export const TOKEN = 'test-token-0123456789abcdef';

export const BASE_CONFIG = `
lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: azure-tags-*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-sample.csv }
  - { name: mine, tag: Mine, format: text, path: mine.txt }
`;

/**
 * Builds (never listens) the app over the fixture lists; `config` YAML replaces the default lists.
 * `owners`: load the owner layer the config names (without it, results carry no owner).
 */
export async function testApp(opts: { config?: string; token?: boolean; files?: Record<string, string>; owners?: boolean } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-http-'));
  for (const f of ['azure-tags-20250106.json', 'msft-sample.csv']) copyFileSync(join(FIXTURES, 'lists', f), join(dir, f));
  writeFileSync(join(dir, 'mine.txt'), '198.51.100.0/24\n');
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  let yaml = opts.config ?? BASE_CONFIG;
  if (opts.token) yaml += `\nserver: { adminToken: ${TOKEN} }\n`;
  const config = parseConfigText(yaml, join(dir, 'ipdest.yaml'));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const state = new ServiceState(config, dir, logger);
  const app = await buildApp({ state, logger });
  // As serve does: the owner layer first (the config's `owners`), then the lists.
  if (opts.owners) await state.loadOwners();
  await state.reload('test');
  return { app, state, dir };
}

/** The app on the embedded defaults (built-in lists), not loaded yet: the test reloads when it wants. */
export async function defaultsApp(opts: Omit<AppOptions, 'state' | 'logger'> = {}): Promise<{ app: IpdestApp; state: ServiceState }> {
  const logger = pino({ level: 'silent' });
  const state = new ServiceState(parseConfigText('', 'x.yaml'), '.', logger);
  return { app: await buildApp({ state, logger, ...opts }), state };
}

/** Listens on 127.0.0.1, a free port; returns the port. */
export async function listen(app: IpdestApp): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}
