// buildApp: the Fastify application (routes, parsers, errors, metrics, docs, overload guard); never listens.
import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import type { Logger } from 'pino';
import { registerBodyParsers } from './body.js';
import { registerErrorHandlers, sendError } from './errors.js';
import { FastLookup } from './fast-lookup.js';
import { Metrics } from './metrics.js';
import { ALL_SCHEMAS } from './schemas.js';
import type { ServiceState } from '../service/index.js';
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
const KEEP_ALIVE_TIMEOUT = 72_000; // longer than the usual client pool idle time (Logstash's Manticore: 60 s)

export type IpdestApp = FastifyInstance & { metrics: Metrics; fastLookup: FastLookup };

export async function buildApp(opts: AppOptions): Promise<IpdestApp> {
  const { state } = opts;
  const server = state.config.server;
  const metrics = new Metrics(state);
  const logRequests = process.env.IPDEST_LOG_REQUESTS === '1';
  const fast = new FastLookup({ state, metrics, bodyLimit: server.bodyLimit, log: opts.logger });
  if (logRequests) fast.disable();
  const app = Fastify({
    // POST /lookup's common case is answered before Fastify's routing (fast-lookup.ts); the rest goes on.
    serverFactory: (handler) => {
      const http = createServer((req, res) => {
        if (!fast.take(req, res)) handler(req, res);
      });
      http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT;
      http.requestTimeout = 0; // Fastify's defaults for the server it would make
      http.setTimeout(0);
      return http;
    },
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Hot routes log nothing per request; errors, reloads, start and stop are logged.
    logController: new LogController({ disableRequestLogging: !logRequests }),
    // No child logger per request (pino's child() is a few µs a request); error logs carry the
    // method and URL themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: server.bodyLimit,
    routerOptions: { maxParamLength: 256 }, // an IPv6 address with a zone, URL-encoded, fits easily
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    // Errors raised before routing (a URL that is not valid percent-encoding) take our shape too.
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, 'BAD_REQUEST', error.message);
    },
  });
  const deps: RouteDeps = { state, metrics, batchLimit: server.batchLimit };

  for (const s of ALL_SCHEMAS) app.addSchema(s);
  registerBodyParsers(app);
  const unmatched = metrics.route('unmatched');
  registerErrorHandlers(app, (method) => unmatched.record(method, 404, 0));
  // Each route gets its own metrics hook, made here with the route's URL: reading
  // request.routeOptions builds a fresh object on every access (bench/http.ts).
  app.addHook('onRoute', (route) => {
    const stats = metrics.route(route.url);
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      stats.record(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [...existing, hook];
  });

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
  fast.watchPressure(() => app.isUnderPressure());
  // Closing: Fastify answers every request from now on (503 and the connection closed).
  app.addHook('preClose', (done) => {
    fast.disable();
    done();
  });

  // Routes that answer from the lists get 503 NOT_READY before the first load (ServiceState).
  await app.register(lookupRoutes, deps);
  await app.register(enrichRoutes, deps);
  await app.register(listsRoutes, deps);
  await app.register(healthRoutes, deps);
  if (server.adminToken) await app.register(adminRoutes, { ...deps, token: server.adminToken });

  return Object.assign(app, { metrics, fastLookup: fast }) as unknown as IpdestApp;
}
