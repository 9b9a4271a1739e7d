// The config layer: schema, defaults and loading.
export { parseDuration, DEFAULT_ADDRESS_FIELDS, MAX_WORKERS } from './schema.js';
export type { Config, ListSpec, RuleSpec } from './schema.js';
export { loadConfig, parseConfigText } from './load.js';
export type { LoadedConfig } from './load.js';
export { proxyEnv } from './proxy-env.js';
export type { ProxyEnv } from './proxy-env.js';
