// The HTTP layer: the Fastify app, its service state, and starting it.
export { buildApp } from './app.js';
export type { AppOptions, IpdestApp } from './app.js';
export { mergeMetrics } from './metrics-merge.js';
export type { ClusterHooks } from './routes/lookup.js';
