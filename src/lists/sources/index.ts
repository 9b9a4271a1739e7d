// Where a list comes from: official sources, download, validation, atomic activation, history and rollback.
export { download, DownloadError, DEFAULT_RETRY, DOWNLOAD_TIMEOUT_MS, MAX_DOWNLOAD_BYTES, MAX_REDIRECTS } from './download.js';
export type { DownloadOptions, DownloadResult, RetryPolicy } from './download.js';
export { KNOWN_SOURCES, planFor, serviceTagsLink } from './known.js';
export type { DownloadPage, KnownSource, SourcePlan } from './known.js';
export { proxyFor } from './proxy.js';
export type { ProxySettings } from './proxy.js';
export { rollbackList, RollbackError } from './rollback.js';
export type { RollbackOutcome } from './rollback.js';
export { DEFAULT_KEEP, downloadRecords, HISTORY_DIR, readSourceState } from './store.js';
export type { HistoryEntry, SourceState } from './store.js';
export { DEFAULT_MAX_SHRINK, MAX_GROWTH, updateList, updateLists } from './update.js';
export type { UpdatableList, UpdateOptions, UpdateOutcome, UpdateState, UpdateSummary } from './update.js';
