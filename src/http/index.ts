// The HTTP layer: the Fastify app, its service state, and starting it.
export { buildApp } from './app.js';
export type { AppOptions, IpdestApp } from './app.js';
export { ServiceState } from './service-state.js';
export type { ReloadOutcome } from './service-state.js';
