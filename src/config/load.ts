// Config loading: which file, YAML → validated Config, environment overrides; errors name file and key.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { atLine, ConfigFileError, displayPath, dottedPath, expandIssue, issueReason } from './errors.js';
import { ADMIN_TOKEN_MIN, configSchema, MAX_WORKERS, type Config } from './schema.js';
import { parseYamlSource, positionOf, type YamlSource } from './yaml-source.js';

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or null for the embedded defaults. */
  readonly file: string | null;
  /** The folder list paths are relative to. */
  readonly baseDir: string;
}

export const DEFAULT_CONFIG_PATH = 'config/ipdest.yaml';
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** At most this many problems are listed in one error, the first one first. */
const MAX_LISTED = 10;

/**
 * Validates a parsed document; `file` names the source in errors (`file: key: reason`). With the
 * YAML `source`, each problem also says its line and column. One error lists every problem found,
 * the first in the file leading.
 */
export function validateConfig(doc: unknown, file: string, source?: YamlSource): Config {
  const input = doc ?? {};
  const r = configSchema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map(expandIssue).map((issue) => {
    const key = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? issue.keys[0] : undefined;
    const path = key === undefined ? issue.path : [...issue.path, key];
    const pos = source ? positionOf(source, issue.path, key) : undefined;
    return {
      path: dottedPath(path),
      // An unknown key is named in the reason, after the path of the object it is in.
      display: displayPath(issue.path, input),
      reason: issueReason(issue, input, configSchema),
      pos,
    };
  });
  problems.sort((a, b) => (a.pos?.line ?? Infinity) - (b.pos?.line ?? Infinity) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  const [first, ...rest] = problems;
  const more = rest
    .slice(0, MAX_LISTED - 1)
    .map((p) => `\n  also ${p.display ? `${p.display}: ` : ''}${p.reason}${atLine(p.pos ?? {})}`)
    .join('');
  const left = rest.length > MAX_LISTED - 1 ? `\n  and ${rest.length - (MAX_LISTED - 1)} more` : '';
  throw new ConfigFileError(file, first!.path, first!.reason + more + left, { line: first!.pos?.line, col: first!.pos?.col, display: first!.display });
}

/** Parses and validates config text; `file` names it in errors. */
export function parseConfigText(text: string, file: string): Config {
  const { value, source } = parseYamlSource(text, file);
  return validateConfig(value, file, source);
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
  const config = file ? parseConfigText(readText(file), file) : validateConfig({}, '(embedded defaults)');
  applyEnv(config, env, file ?? '(embedded defaults)');
  return { config, file, baseDir: file ? dirname(file) : process.cwd() };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(file, '', `cannot be read: ${e.code === 'EISDIR' ? 'it is a folder, not a file' : (e.code ?? e.message)}`);
  }
}

function applyEnv(config: Config, env: NodeJS.ProcessEnv, file: string): void {
  // The owner table's cache folder: the config's, else the environment's usual cache places.
  if (config.owners.cache === undefined) {
    const home = env.HOME ?? env.USERPROFILE;
    const dir = env.IPDEST_CACHE_DIR ?? (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'ipdest') : home ? join(home, '.cache', 'ipdest') : undefined);
    config.owners.cache = dir ?? false;
  }
  if (env.IPDEST_HOST) config.server.host = env.IPDEST_HOST;
  if (env.IPDEST_LOG_REQUESTS === '1') config.server.logRequests = true;
  if (env.LOG_LEVEL) {
    const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
    // Containers often set LOG_LEVEL=INFO or =warning for every program in them.
    const given = env.LOG_LEVEL.trim().toLowerCase();
    const level = levels.find((l) => l === (given === 'warning' ? 'warn' : given));
    if (level === undefined) throw new ConfigError(file, 'LOG_LEVEL', `one of ${levels.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
    config.server.logLevel = level;
  }
  if (env.IPDEST_PORT) {
    const port = Number(env.IPDEST_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(file, 'IPDEST_PORT', `not a port number: ${JSON.stringify(env.IPDEST_PORT)}`);
    config.server.port = port;
  }
  if (env.IPDEST_WORKERS) {
    const given = env.IPDEST_WORKERS.trim().toLowerCase();
    const n = Number(given);
    if (given === 'auto') config.server.workers = 'auto';
    else if (Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS) config.server.workers = n;
    else throw new ConfigError(file, 'IPDEST_WORKERS', `a number of workers from 1 to ${MAX_WORKERS}, or auto; got ${JSON.stringify(env.IPDEST_WORKERS)}`);
  }
  if (env.IPDEST_ADMIN_TOKEN) {
    // Refused like server.adminToken; the token itself never goes into a message.
    if (env.IPDEST_ADMIN_TOKEN.length < ADMIN_TOKEN_MIN)
      throw new ConfigError(file, 'IPDEST_ADMIN_TOKEN', `the environment's admin token is too short: use at least ${ADMIN_TOKEN_MIN} characters`);
    config.server.adminToken = env.IPDEST_ADMIN_TOKEN;
  }
}
