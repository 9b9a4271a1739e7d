// Connections: time limits, a cap below the open-files limit, node:http's own refusals in ipdest's shape, draining on shutdown.
import { readdirSync, readFileSync } from 'node:fs';
import { maxHeaderSize, STATUS_CODES, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.js';
import { errorPayload, withCommas } from './errors.js';
import type { ConnectionCounts } from './metrics.js';

export interface ConnectionOptions {
  readonly log: Logger;
  readonly counts: ConnectionCounts;
  /** ms to receive a whole request (headers and body) once it starts. */
  readonly requestTimeout: number;
  /** ms to receive a request's headers (also: a new connection's first request). */
  readonly headersTimeout: number;
  /** A fixed cap on open connections; without it the cap comes from the open-files limit. */
  readonly maxConnections?: number;
  /** File descriptors kept free of connections (list files, the parse thread, logs, /proc reads). */
  readonly fdReserve: number;
}

export interface ShutdownResult {
  /** Every answer in flight was written out before the time limit. */
  readonly drained: boolean;
  /** Connections still open at the time limit, closed then. */
  readonly cut: number;
}

/** How often a run of refused connections is summed up in the log. */
const LOG_EVERY = 10_000;
/** How often idle connections are looked for while draining. */
const DRAIN_POLL = 50;
/**
 * How long (ms) a connection is left idle while draining before it is closed. A request already
 * on its way over a keep-alive connection is then answered (with Connection: close) rather than
 * met by a reset, the race every server-side close of a keep-alive connection has. An answer in
 * flight when draining began gets longer, counted from when it left the process: the client may
 * still be reading its end from the kernel's buffers (megabytes, for a large batch) before it
 * sends its next request.
 */
const IDLE_GRACE = 100;
const ANSWERED_GRACE = 1000;
/** Fewer connections than this are not worth serving: the open-files limit is the problem. */
const MIN_CONNECTIONS = 8;

/** node:http's response being written on a socket (the field node:http's own closeIdleConnections reads). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Everything about connections the routes never see:
 * - time limits: a request must arrive in full within `requestTimeout` (its headers within
 *   `headersTimeout`), else 408 and the connection is closed. With node:http's check every
 *   `checkInterval` ms, a stalled request is closed at most that much after its limit. Memory held
 *   by unfinished bodies is thus bounded: at most `cap × bodyLimit` (the fast path takes only
 *   bodies whose Content-Length is within the limit; Fastify's parser stops at the limit), each
 *   for at most `requestTimeout`.
 * - a cap below the process's open-files limit (`server.maxConnections`): past it node:http
 *   closes new connections at once ('drop'), counted and logged once per run, so the process
 *   always keeps descriptors for its own files and never meets EMFILE from a crowd of clients.
 * - node:http's own refusals (malformed request line, headers too large, too slow) answered in
 *   `{"error": {code, message}}` with `Connection: close`, never over an answer being written.
 * - draining: on close, answers in flight are finished (node:http's closeIdleConnections would
 *   cut an answer whose end() was called but whose bytes are still queued), answers not started
 *   yet carry `Connection: close`, idle keep-alive connections are closed after a grace.
 */
export class ConnectionGuard {
  readonly #log: Logger;
  readonly #counts: ConnectionCounts;
  readonly #opts: ConnectionOptions;
  readonly #sockets = new Set<HttpSocket>();
  readonly #shed: LogRun;
  readonly #acceptErrors: LogRun;
  readonly #requestTimeout: number;
  readonly #headersTimeout: number;
  #server: Server | null = null;
  #drainTimer: NodeJS.Timeout | null = null;
  /** While draining: when each connection was first seen idle. */
  readonly #idleSince = new Map<HttpSocket, number>();
  /** While draining: connections seen writing an answer (they get ANSWERED_GRACE once idle). */
  readonly #answering = new Set<HttpSocket>();
  /** Closing: every answer from now on says `Connection: close` (read per request by app.ts). */
  draining = false;

  constructor(opts: ConnectionOptions) {
    this.#log = opts.log;
    this.#counts = opts.counts;
    this.#opts = opts;
    this.#requestTimeout = opts.requestTimeout;
    // node:http refuses a headers limit above the request limit.
    this.#headersTimeout = Math.min(opts.headersTimeout, opts.requestTimeout);
    this.#shed = new LogRun(
      LOG_EVERY,
      () =>
        this.#log.warn(
          { open: this.#counts.open, limit: this.#counts.limit },
          'connection limit reached: new connections are closed at once (raise the open-files limit, ulimit -n / LimitNOFILE, or spread the load)',
        ),
      (n) =>
        this.#log.warn(
          { shed: n, open: this.#counts.open, limit: this.#counts.limit },
          `still at the connection limit: ${n} connections closed at once in the last ${LOG_EVERY / 1000} s`,
        ),
      () => this.#log.info({ open: this.#counts.open, limit: this.#counts.limit }, 'below the connection limit again'),
    );
    this.#acceptErrors = new LogRun(
      LOG_EVERY,
      (err?: Error) => this.#log.error({ err, open: this.#counts.open }, 'cannot accept connections'),
      (n) => this.#log.error({ failed: n, open: this.#counts.open }, `${n} connections could not be accepted in the last ${LOG_EVERY / 1000} s`),
      () => this.#log.info({ open: this.#counts.open }, 'accepting connections again'),
    );
  }

  /** node:http's options for the time limits. */
  serverOptions(): ServerOptions {
    return { requestTimeout: this.#requestTimeout, headersTimeout: this.#headersTimeout, connectionsCheckingInterval: checkInterval(this.#headersTimeout) };
  }

  /** Watches the server's connections; the cap is set once it listens. */
  attach(server: Server): void {
    this.#server = server;
    server.on('connection', (socket: HttpSocket) => {
      this.#sockets.add(socket);
      this.#counts.open++;
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#idleSince.delete(socket);
        this.#answering.delete(socket);
        this.#counts.open--;
      });
    });
    // 'drop' (node ≥ 18.6: a connection closed at once past maxConnections) is not in @types/node 20.
    server.on('drop' as 'connection', () => {
      this.#counts.rejected++;
      this.#shed.hit();
    });
    server.once('listening', () => {
      this.#setCap(server);
      // Past listen, a server error is a failed accept (EMFILE/ENFILE: out of descriptors despite
      // the cap): libuv has already closed that connection. Without a listener it would end the process.
      server.on('error', (err) => this.#acceptErrors.hit(err));
    });
    server.on('close', () => this.#stopTimers());
    // Never cut an answer short: node:http's own version (called by server.close() and by Fastify)
    // also closes sockets whose answer is fully queued but not yet sent.
    server.closeIdleConnections = () => this.#closeIdle();
  }

  #setCap(server: Server): void {
    const limit = openFilesLimit();
    const open = openFiles();
    const derived = limit === null || open === null ? null : Math.max(MIN_CONNECTIONS, limit - open - this.#opts.fdReserve);
    const cap = this.#opts.maxConnections ?? derived;
    if (cap === null) {
      this.#log.info('open-files limit unknown or unlimited: no cap on connections');
      return;
    }
    server.maxConnections = cap;
    this.#counts.limit = cap;
    const info = { maxConnections: cap, openFilesLimit: limit, openFiles: open, reserve: this.#opts.fdReserve };
    if (derived !== null && cap > derived)
      this.#log.warn(info, 'server.maxConnections is above what the open-files limit leaves for connections: past it, connections fail with EMFILE');
    else if (derived !== null && limit !== null && derived <= MIN_CONNECTIONS)
      this.#log.warn(info, 'the open-files limit leaves room for very few connections: raise it (ulimit -n / LimitNOFILE)');
    else this.#log.info(info, 'connection cap set from the open-files limit');
  }

  /** Answers what node:http refused before routing (Fastify's clientErrorHandler). */
  readonly clientError = (err: NodeJS.ErrnoException & { reason?: string }, socket: HttpSocket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const res = socket._httpMessage;
    // A request that arrived whole is being answered (a later pipelined request failed): its
    // answer is not replaced; it is finished, then the connection closes.
    if (res && !res.writableFinished && socket.writable && (res as { req?: { complete?: boolean } }).req?.complete === true && !res.headersSent) {
      res.shouldKeepAlive = false;
      res.once('finish', () => socket.destroy());
      return;
    }
    if (!socket.writable || (res && res.headersSent)) {
      // An answer is being written on this connection (a later pipelined request failed): it is
      // finished, then the connection closes.
      if (res && !res.writableFinished && socket.writable) res.once('finish', () => socket.destroy());
      else socket.destroy();
      return;
    }
    const refusal = this.#refusal(err, Boolean(res));
    if (refusal === null) {
      socket.destroy();
      return;
    }
    const [code, message] = refusal;
    this.#counts.clientErrors.set(code, (this.#counts.clientErrors.get(code) ?? 0) + 1);
    this.#log.debug({ code, reason: err.code, remote: socket.remoteAddress }, message);
    const { status, text } = errorPayload(code, message);
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n`;
    // The server's sockets allow half-open connections: end() alone would wait for the client.
    socket.end(head + text, () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  #refusal(err: NodeJS.ErrnoException & { reason?: string }, requestStarted: boolean): [ErrorCode, string] | null {
    switch (err.code) {
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return requestStarted
          ? ['REQUEST_TIMEOUT', `the request did not arrive in full within ${this.#requestTimeout / 1000} s (server.requestTimeout); the connection is closed`]
          : ['REQUEST_TIMEOUT', `the request headers did not arrive within ${this.#headersTimeout / 1000} s (server.headersTimeout); the connection is closed`];
      case 'HPE_HEADER_OVERFLOW':
        return ['HEADERS_TOO_LARGE', `the request headers are larger than ${withCommas(maxHeaderSize)} bytes`];
      case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
        return ['BODY_TOO_LARGE', 'the chunk extensions of the body are too large'];
      default:
        return err.code?.startsWith('HPE_') ? ['BAD_REQUEST', `malformed HTTP request: ${err.reason ?? err.message}`] : null;
    }
  }

  /** Closing starts (Fastify's preClose): no more keep-alive; idle connections close as they turn idle. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const socket of this.#sockets) {
      const res = socket._httpMessage;
      if (res && !res.headersSent) res.shouldKeepAlive = false; // node:http then sends Connection: close and closes after it
    }
    this.#closeIdle();
    if (!this.#server?.listening) return; // never listened (inject only): nothing to wait for
    this.#drainTimer = setInterval(() => this.#closeIdle(), DRAIN_POLL);
    this.#drainTimer.unref();
  }

  /** Closes connections with no answer being written once idle for their grace (IDLE_GRACE, ANSWERED_GRACE). */
  #closeIdle(): void {
    const now = performance.now();
    for (const socket of this.#sockets) {
      const res = socket._httpMessage;
      if (res && !res.writableFinished) {
        this.#idleSince.delete(socket);
        this.#answering.add(socket);
        continue;
      }
      const since = this.#idleSince.get(socket);
      if (since === undefined) this.#idleSince.set(socket, now);
      else if (now - since >= (this.#answering.has(socket) ? ANSWERED_GRACE : IDLE_GRACE)) socket.destroy();
    }
  }

  /** Runs `close` (Fastify's, which drains); past `timeoutMs` closes every connection left. */
  async closeWithin(close: () => Promise<void>, timeoutMs: number): Promise<ShutdownResult> {
    let timer: NodeJS.Timeout | undefined;
    const closed = close();
    const late = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    try {
      if ((await Promise.race([closed.then(() => false as const), late])) === false) return { drained: true, cut: 0 };
    } finally {
      clearTimeout(timer);
    }
    const cut = this.#sockets.size;
    this.#log.warn({ connections: cut, timeoutMs }, 'answers still in flight at the shutdown time limit: closing their connections');
    this.#server?.closeAllConnections();
    await closed;
    return { drained: false, cut };
  }

  #stopTimers(): void {
    if (this.#drainTimer) clearInterval(this.#drainTimer);
    this.#drainTimer = null;
    this.#shed.stop();
    this.#acceptErrors.stop();
  }
}

/** node:http checks its time limits this often (ms): a stalled request is closed at most this late. */
export function checkInterval(headersTimeout: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeout / 2)));
}

/** The soft open-files limit (Linux /proc/self/limits); null when unlimited or unknown. */
export function openFilesLimit(text?: string): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text ?? readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Descriptors open now (Linux /proc/self/fd, less the one reading it); null when unknown. */
function openFiles(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

/**
 * One log line when a run of events starts, one per interval with the count while it goes on,
 * and one when an interval passes without any: a flood never becomes one line per event.
 */
class LogRun {
  #count = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly everyMs: number,
    readonly first: (err?: Error) => void,
    readonly still: (n: number) => void,
    readonly over: () => void,
  ) {}

  hit(err?: Error): void {
    if (this.#timer !== null) {
      this.#count++;
      return;
    }
    this.first(err);
    this.#count = 0;
    this.#timer = setInterval(() => {
      if (this.#count > 0) {
        this.still(this.#count);
        this.#count = 0;
      } else {
        this.stop();
        this.over();
      }
    }, this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
