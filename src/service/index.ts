// The service layer: the lists and enricher in service — loaded once for a command, or loaded, reloaded, watched and swapped for a server.
export { enricherFor, rulesOf } from './chain.js';
export { loadOnce } from './load-once.js';
export type { LoadedService } from './load-once.js';
export { RELOAD_GRACE_MS, RELOAD_TIMEOUT_MS, ServiceState } from './state.js';
export type { ReloadListener, ReloadOutcome, ServiceStateOptions } from './state.js';
