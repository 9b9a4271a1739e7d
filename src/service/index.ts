// The service layer: the lists and enricher in service — loaded once for a command, or loaded, reloaded, watched and swapped for a server.
export { loadOnce } from './load-once.js';
export type { LoadedService } from './load-once.js';
export { ServiceState } from './state.js';
export type { ServiceStateOptions } from './state.js';
export { RefreshSchedule, REFRESH_JITTER, REFRESH_RETRY_MS } from './refresh.js';
export type { RefreshOptions } from './refresh.js';
export { ownerSettingsOf } from './chain.js';
