// buildApp: the Fastify application (routes, parsers, errors, metrics, docs, overload guard); never listens.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import type { Logger } from 'pino';
import { registerBodyParsers } from './body.js';
import { registerErrorHandlers, sendError } from './errors.js';
import { Metrics } from './metrics.js';
import { ALL_SCHEMAS } from './schemas.js';
import type { ServiceState } from './service-state.js';
import { adminRoutes } from './routes/admin.js';
import { enrichRoutes } from './routes/enrich.js';
import { healthRoutes } from './routes/health.js';
import { listsRoutes } from './routes/lists.js';
import { lookupRoutes, type RouteDeps } from './routes/lookup.js';

export interface AppOptions {
  readonly state: ServiceState;
  readonly logger: Logger;
  /** Seconds an overloaded server asks clients to wait (Retry-After). */
  readonly retryAfter?: number;
  /** Event-loop delay (ms) past which requests are answered 503. */
  readonly maxEventLoopDelay?: number;
  /** How often (ms) the load is sampled. */
  readonly sampleInterval?: number;
}

const VERSION = '0.1.0';

export type IpdestApp = FastifyInstance & { metrics: Metrics };

export async function buildApp(opts: AppOptions): Promise<IpdestApp> {
  const { state } = opts;
  const server = state.config.server;
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Hot routes log nothing per request; errors, reloads, start and stop are logged.
    logController: new LogController({ disableRequestLogging: process.env.IPDEST_LOG_REQUESTS !== '1' }),
    bodyLimit: server.bodyLimit,
    keepAliveTimeout: 72_000, // longer than the usual client pool idle time (Logstash's Manticore: 60 s)
    routerOptions: { maxParamLength: 256 }, // an IPv6 address with a zone, URL-encoded, fits easily
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  });
  const metrics = new Metrics(state);
  const deps: RouteDeps = { state, metrics, batchLimit: server.batchLimit };

  for (const s of ALL_SCHEMAS) app.addSchema(s);
  registerBodyParsers(app);
  registerErrorHandlers(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'ipdest', version: VERSION, description: 'Who are our machines connecting to? Tags destination addresses from CIDR lists.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });

  const retryAfter = opts.retryAfter ?? 5;
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelay ?? server.maxEventLoopDelay,
    sampleInterval: opts.sampleInterval ?? 1000,
    retryAfter,
    pressureHandler: (_req, reply, type, value) => {
      reply.header('retry-after', String(retryAfter));
      sendError(reply, 'OVERLOADED', `overloaded (${type}: ${value}); retry after ${retryAfter} s`);
    },
  });

  // Callback-style hooks: an async hook costs a promise per request on every route.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.countRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await app.register(async (scope) => {
    // Routes that answer from the lists wait for the first load.
    scope.addHook('onRequest', (_request, reply, done) => {
      if (state.ready) return done();
      sendError(reply, 'NOT_READY');
    });
    await scope.register(lookupRoutes, deps);
    await scope.register(enrichRoutes, deps);
    await scope.register(listsRoutes, deps);
  });
  await app.register(healthRoutes, deps);
  if (server.adminToken) await app.register(adminRoutes, { ...deps, token: server.adminToken });

  return Object.assign(app, { metrics }) as unknown as IpdestApp;
}
