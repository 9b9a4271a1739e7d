// The config layer: schema, defaults and loading.
export { parseDuration, DEFAULT_ADDRESS_FIELDS } from './schema.js';
export type { Config, RuleSpec } from './schema.js';
export { loadConfig, parseConfigText } from './load.js';
export type { LoadedConfig } from './load.js';
