// The config layer: schema, defaults and loading.
export { configSchema, parseDuration, DEFAULT_ADDRESS_FIELDS } from './schema.js';
export type { Config, ListSpec, RuleSpec } from './schema.js';
export { DEFAULT_CONFIG_PATH, loadConfig, parseConfigText, validateConfig } from './load.js';
export type { LoadedConfig } from './load.js';
