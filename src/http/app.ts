// buildApp: the Fastify application (routes, parsers, errors, metrics, docs, overload and connection guards); never listens.
import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { VERSION } from '../version.js';
import { registerBodyParsers } from './body.js';
import { ConnectionGuard, type ShutdownResult } from './connections.js';
import { registerErrorHandlers, sendError } from './errors.js';
import { FAST_LOOKUP_HOOKS, FastLookup, hookDrift, routeHooks } from './fast-lookup.js';
import { Metrics } from './metrics.js';
import { PressureMonitor } from './pressure.js';
import { ALL_SCHEMAS } from './schemas.js';
import type { ServiceState } from '../service/index.js';
import { adminDisabledRoutes, adminRoutes } from './routes/admin.js';
import { auditRoutes } from './routes/audit.js';
import { enrichRoutes } from './routes/enrich.js';
import { healthRoutes } from './routes/health.js';
import { listsRoutes } from './routes/lists.js';
import { lookupRoutes, type ClusterHooks, type RouteDeps } from './routes/lookup.js';

export interface AppOptions {
  readonly state: ServiceState;
  readonly logger: Logger;
  /** Seconds an overloaded server asks clients to wait (Retry-After). */
  readonly retryAfter?: number;
  /** Event-loop delay (ms) past which requests are answered 503. */
  readonly maxEventLoopDelay?: number;
  /** How often (ms) the load is sampled. */
  readonly sampleInterval?: number;
  // The limits below override server.<same name> (tests set them low).
  /** ms to receive a whole request once it starts; past it: 408 and the connection closed. */
  readonly requestTimeout?: number;
  /** ms to receive a request's headers (and a new connection's first request). */
  readonly headersTimeout?: number;
  /** ms of no progress on an open request (an answer the client does not read) before its connection is closed. */
  readonly socketTimeout?: number;
  /** ms that shutdown waits for answers in flight before closing their connections. */
  readonly shutdownTimeout?: number;
  /** A fixed cap on open connections (default: server.maxConnections, else the open-files limit less FD_RESERVE and the descriptors open at start). */
  readonly maxConnections?: number;
  /** A worker of `serve --workers N`: aggregated /metrics and fanned-out reloads (routes/lookup.ts). */
  readonly cluster?: ClusterHooks;
}

const KEEP_ALIVE_TIMEOUT = 72_000; // longer than the usual client pool idle time (Logstash's Manticore: 60 s)
/** Descriptors kept free of connections: list files, the parse thread, fs watchers, logs, /proc reads for /metrics. */
export const FD_RESERVE = 64;

/** An IPv6 address with a zone, URL-encoded, fits easily. */
const MAX_PARAM_LENGTH = 256;

/** Routes answered even while overloaded. */
const UNREFUSED: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export type IpdestApp = FastifyInstance & {
  metrics: Metrics;
  fastLookup: FastLookup;
  /** Closes the app: stops accepting, finishes answers in flight, and past the time limit (ms; default server.shutdownTimeout) closes what is left. */
  shutdown(timeoutMs?: number): Promise<ShutdownResult>;
};

export async function buildApp(opts: AppOptions): Promise<IpdestApp> {
  const { state } = opts;
  const server = state.config.server;
  const metrics = new Metrics(state);
  const logRequests = server.logRequests;
  const fast = new FastLookup({ state, metrics, bodyLimit: server.bodyLimit, log: opts.logger });
  if (logRequests || !server.fastLookup) fast.disable();
  const guard = new ConnectionGuard({
    log: opts.logger,
    counts: metrics.connections,
    requestTimeout: opts.requestTimeout ?? server.requestTimeout,
    headersTimeout: opts.headersTimeout ?? server.headersTimeout,
    maxConnections: opts.maxConnections ?? server.maxConnections,
    fdReserve: FD_RESERVE,
  });
  const app = Fastify({
    // POST /lookup's common case is answered before Fastify's routing (fast-lookup.ts); the rest goes on.
    serverFactory: (handler) => {
      const http = createServer(guard.serverOptions(), (req, res) => {
        if (guard.draining) res.shouldKeepAlive = false; // closing: this answer says Connection: close
        if (!fast.take(req, res)) handler(req, res);
      });
      http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT;
      http.setTimeout(opts.socketTimeout ?? server.socketTimeout);
      guard.attach(http);
      return http;
    },
    // What node:http refuses itself (malformed, headers too large, too slow) is answered in our shape.
    clientErrorHandler: guard.clientError,
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Hot routes log nothing per request; errors, reloads, start and stop are logged.
    logController: new LogController({ disableRequestLogging: !logRequests }),
    // No child logger per request (pino's child() is a few µs a request); error logs carry the
    // method and URL themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: server.bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Closing: requests still arriving on open connections are answered (with Connection: close)
    // rather than refused; the drain is bounded by the shutdown time limit.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    // Errors raised before routing (a URL that is not valid percent-encoding) take our shape too.
    frameworkErrors: (error, request, reply) => {
      // No address is that long: GET /lookup/:ip answers what the contract says for a bad address.
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        if (request.url.startsWith('/lookup/'))
          return sendError(reply, 'INVALID_ADDRESS', `the address is longer than ${MAX_PARAM_LENGTH} characters; no address is`);
        return sendError(reply, 'BAD_REQUEST', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
      }
      sendError(reply, 'BAD_REQUEST', error.message);
    },
  });
  const deps: RouteDeps = { state, metrics, batchLimit: server.batchLimit, cluster: opts.cluster };

  for (const s of ALL_SCHEMAS) app.addSchema(s);
  registerBodyParsers(app);
  const unmatched = metrics.route('unmatched');
  registerErrorHandlers(app, (method) => unmatched.record(method, 404, 0));
  // Each route gets its own metrics hook, made here with the route's URL: reading
  // request.routeOptions builds a fresh object on every access (bench/http.ts).
  app.addHook('onRoute', (route) => {
    const stats = metrics.route(route.url);
    const hook = function recordRouteMetrics(request: FastifyRequest, reply: FastifyReply, done: () => void) {
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
  const pressure = new PressureMonitor({ maxEventLoopDelay: opts.maxEventLoopDelay ?? server.maxEventLoopDelay, sampleInterval: opts.sampleInterval ?? 1000 });
  app.addHook('onRequest', function refuseWhenOverloaded(request, reply, done) {
    // Probes and metrics answer even then: a lagging loop must not fail liveness or hide itself.
    if (!pressure.overloaded || UNREFUSED.has(request.url)) return done();
    reply.header('retry-after', String(retryAfter));
    sendError(
      reply,
      'OVERLOADED',
      `overloaded (event-loop delay ${Math.round(pressure.eventLoopDelay)} ms, limit ${pressure.maxEventLoopDelay} ms); retry after ${retryAfter} s`,
    );
  });
  fast.watchPressure(() => pressure.overloaded);
  app.addHook('onClose', (_app, done) => {
    pressure.stop();
    done();
  });
  // Closing: Fastify answers every request from now on, each with Connection: close; answers in
  // flight are finished, idle connections closed (connections.ts).
  app.addHook('preClose', (done) => {
    fast.disable();
    guard.drain();
    done();
  });

  // Routes that answer from the lists get 503 NOT_READY before the first load (ServiceState).
  await app.register(lookupRoutes, deps);
  await app.register(enrichRoutes, deps);
  await app.register(listsRoutes, deps);
  await app.register(healthRoutes, deps);
  await app.register(auditRoutes, { ...deps, token: server.adminToken || undefined });
  if (server.adminToken) await app.register(adminRoutes, { ...deps, token: server.adminToken });
  else await app.register(adminDisabledRoutes);

  // The fast path stands in for Fastify on POST /lookup only while it reproduces every hook
  // Fastify would run there: a hook added later (a plugin, a new check) turns it off, loudly.
  await app.ready();
  const lookupHooks = routeHooks(app.printRoutes({ includeHooks: true, commonPrefix: false }), '/lookup', 'POST');
  const drift = hookDrift(lookupHooks, FAST_LOOKUP_HOOKS);
  if (drift !== null && !fast.disabled) {
    fast.disable();
    opts.logger.warn({ route: 'POST /lookup', fastify: lookupHooks, reproduced: FAST_LOOKUP_HOOKS }, `fast path off: ${drift}`);
  }

  const shutdown = (timeoutMs = opts.shutdownTimeout ?? server.shutdownTimeout) => guard.closeWithin(() => app.close(), timeoutMs);
  return Object.assign(app, { metrics, fastLookup: fast, shutdown }) as unknown as IpdestApp;
}
