// Config loading: which file, YAML → validated Config, environment overrides; errors name file and key.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or null for the embedded defaults. */
  readonly file: string | null;
  /** The folder list paths are relative to. */
  readonly baseDir: string;
}

export const DEFAULT_CONFIG_PATH = 'config/ipdest.yaml';
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Validates a parsed document; `file` names the source in errors. */
export function validateConfig(doc: unknown, file: string): Config {
  const r = configSchema.safeParse(doc ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(file, issue.path.join('.'), issue.message);
  }
  return r.data;
}

export function parseConfigText(text: string, file: string): Config {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0]?.line;
      throw new ConfigError(line ? `${file}:${line}` : file, '', err.message.split('\n')[0]!);
    }
    throw err;
  }
  return validateConfig(doc, file);
}

/**
 * Finds and reads the config: `explicit` (--config), else IPDEST_CONFIG, else config/ipdest.yaml in
 * the working folder or beside the package; none of those: the embedded defaults. A named file
 * that does not exist is an error, never a silent fallback.
 */
export function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const named = explicit ?? env.IPDEST_CONFIG;
  let file: string | null = null;
  if (named) {
    file = resolve(named);
    if (!existsSync(file)) throw new ConfigError(file, '', 'the configuration file does not exist');
  } else {
    for (const candidate of [resolve(DEFAULT_CONFIG_PATH), resolve(PACKAGE_ROOT, DEFAULT_CONFIG_PATH)]) {
      if (existsSync(candidate)) {
        file = candidate;
        break;
      }
    }
  }
  const config = file ? parseConfigText(readFileSync(file, 'utf8'), file) : validateConfig({}, '(embedded defaults)');
  applyEnv(config, env, file ?? '(embedded defaults)');
  return { config, file, baseDir: file ? dirname(file) : process.cwd() };
}

function applyEnv(config: Config, env: NodeJS.ProcessEnv, file: string): void {
  if (env.IPDEST_HOST) config.server.host = env.IPDEST_HOST;
  if (env.IPDEST_PORT) {
    const port = Number(env.IPDEST_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(file, 'IPDEST_PORT', `not a port number: ${JSON.stringify(env.IPDEST_PORT)}`);
    config.server.port = port;
  }
  if (env.IPDEST_ADMIN_TOKEN) config.server.adminToken = env.IPDEST_ADMIN_TOKEN;
}
