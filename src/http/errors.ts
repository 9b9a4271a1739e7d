// HTTP errors: the one place that maps error codes (ours and Fastify's) to a status and the error body.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/**
 * Codes only the HTTP server answers, for requests node:http refuses before any route sees them
 * (connections.ts). They belong in ERROR_CODES (src/errors.ts), which test/errors.test.ts keeps in
 * step with docs/errors.md: they move there with their rows in that table.
 */
export const CONNECTION_CODES = {
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
} as const;

/** Every code an HTTP answer can carry. */
export type HttpErrorCode = ErrorCode | keyof typeof CONNECTION_CODES;

const spec = (code: HttpErrorCode): { status: number; message: string } =>
  code in CONNECTION_CODES ? CONNECTION_CODES[code as keyof typeof CONNECTION_CODES] : ERROR_CODES[code as ErrorCode];

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

export function errorBody(code: HttpErrorCode, message: string = spec(code).message): ErrorBody {
  return { error: { code, message } };
}

/** The status and JSON text of `{"error": {code, message}}`. */
export function errorPayload(code: HttpErrorCode, message?: string): { status: number; text: string } {
  return { status: spec(code).status, text: JSON.stringify(errorBody(code, message)) };
}

/** 1202964 → "1,202,964": sizes in messages read at a glance. */
export function withCommas(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The 413 message: the body's size when the client declared it, and the limit it is over. */
export function bodyTooLargeMessage(contentLength: string | undefined, limit: number): string {
  const n = contentLength === undefined ? NaN : Number(contentLength);
  return Number.isSafeInteger(n) && n > limit
    ? `body is ${withCommas(n)} bytes; server.bodyLimit is ${withCommas(limit)}`
    : `body is larger than server.bodyLimit (${withCommas(limit)} bytes)`;
}

/** Sends `{"error": {code, message}}` with the code's status. */
export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  const e = errorPayload(code, message);
  return reply.code(e.status).type('application/json; charset=utf-8').send(e.text);
}

/** An error a handler throws to answer with one of our codes. */
export class HttpError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERROR_CODES[code].message);
    this.code = code;
  }
}

// Fastify's own errors, mapped once.
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CHARSET: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
};

export function registerErrorHandlers(app: FastifyInstance, onNotFound?: (method: string) => void): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) return sendError(reply, err.code, err.message);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      return sendError(reply, 'BODY_TOO_LARGE', bodyTooLargeMessage(request.headers['content-length'], request.routeOptions.bodyLimit));
    }
    const mapped = (err.code && FASTIFY_CODES[err.code]) || (err.validation ? 'BAD_REQUEST' : undefined);
    if (mapped) return sendError(reply, mapped, err.message);
    // Any other client error (4xx) keeps its status under our shape; a 5xx is a bug in ipdest.
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify({ error: { code: 'BAD_REQUEST', message: err.message } }));
    }
    if (status === 503) return sendError(reply, 'OVERLOADED', err.message);
    request.log.error({ err, url: request.url, method: request.method }, 'internal error (a bug in ipdest)');
    return sendError(reply, 'INTERNAL');
  });
  app.setNotFoundHandler((request, reply) => {
    onNotFound?.(request.method);
    return sendError(reply, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}
