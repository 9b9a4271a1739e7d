// The service layer: the lists and enricher in service — loaded once for a command, or loaded, reloaded, watched and swapped for a server.
export { loadOnce } from './load-once.js';
export type { LoadedService } from './load-once.js';
export { ServiceState, RELOAD_GRACE_MS, RELOAD_TIMEOUT_MS } from './state.js';
export type { ServiceStateOptions } from './state.js';
export { RefreshSchedule, REFRESH_JITTER, REFRESH_RETRY_MS } from './refresh.js';
export type { RefreshOptions, RefreshTarget } from './refresh.js';
export { watchListFolders } from './watch.js';
export type { StopWatching } from './watch.js';
export { ownerSettingsOf } from './chain.js';
