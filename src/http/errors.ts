// HTTP errors: the one place that maps error codes (ours and Fastify's) to a status and the error body.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_CODES, IpdestError, type ErrorCode } from '../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string = ERROR_CODES[code].message): ErrorBody {
  return { error: { code, message } };
}

/** The status and JSON text of `{"error": {code, message}}`. */
export function errorPayload(code: ErrorCode, message?: string): { status: number; text: string } {
  return { status: ERROR_CODES[code].status, text: JSON.stringify(errorBody(code, message)) };
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
    if (err instanceof IpdestError) return sendError(reply, err.code, err.message);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      return sendError(reply, 'BODY_TOO_LARGE', bodyTooLargeMessage(request.headers['content-length'], request.routeOptions.bodyLimit));
    }
    const mapped = (err.code && FASTIFY_CODES[err.code]) || (err.validation ? 'BAD_REQUEST' : undefined);
    if (mapped) return sendError(reply, mapped, err.message);
    // Any other client error (4xx) keeps its status under our shape; a 5xx is a bug in ipdest.
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: { code: 'BAD_REQUEST', message: err.message } }));
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
