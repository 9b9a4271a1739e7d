// Error codes: each declared once with its HTTP status and CLI exit code; typed errors thrown at input edges.

export const ERROR_CODES = {
  INVALID_ADDRESS: { status: 400, exit: 1, message: 'The text is not an IPv4 or IPv6 address' },
  NO_ADDRESS: { status: 400, exit: 1, message: 'The event has no address field, or an unresolved field reference' },
  INVALID_EVENT: { status: 400, exit: 1, message: 'The event is not a JSON object' },
  BAD_JSON: { status: 400, exit: 1, message: 'The body is not valid JSON' },
  BAD_REQUEST: { status: 400, exit: 2, message: 'The request has the wrong shape' },
  UNAUTHORIZED: { status: 401, exit: 1, message: 'A valid bearer token is required' },
  NOT_FOUND: { status: 404, exit: 1, message: 'No such route' },
  REQUEST_TIMEOUT: { status: 408, exit: 1, message: 'The request did not arrive in time' },
  BODY_TOO_LARGE: { status: 413, exit: 1, message: 'The body is larger than server.bodyLimit' },
  BATCH_TOO_LARGE: { status: 413, exit: 1, message: 'The batch has more items than server.batchLimit' },
  HEADERS_TOO_LARGE: { status: 431, exit: 1, message: 'The request headers are too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 1, message: 'The content type is not JSON, text or NDJSON' },
  LIST_FAILED: { status: 422, exit: 1, message: 'A list could not be read or parsed in time; its last good version stays in service' },
  OVERLOADED: { status: 503, exit: 1, message: 'The service is overloaded; retry later' },
  NOT_READY: { status: 503, exit: 1, message: 'The lists are not loaded yet' },
  LIST_FORMAT: { status: 422, exit: 1, message: 'A list file is malformed' },
  CONFIG_INVALID: { status: 500, exit: 1, message: 'The configuration file is invalid' },
  LISTEN_FAILED: { status: 500, exit: 1, message: 'The server cannot listen on its host and port' },
  INTERNAL: { status: 500, exit: 1, message: 'An internal error; this is a bug in ipdest' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The base of every error ipdest throws on purpose: a code, a message and an optional hint. */
export class IpdestError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'IpdestError';
    this.code = code;
    this.hint = hint;
  }
}

/** A malformed list file, named by file, line and the offending text. */
export class ListFormatError extends IpdestError {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  constructor(file: string, line: number, text: string, reason: string) {
    super('LIST_FORMAT', `${file}:${line}: ${reason}${text ? `: ${JSON.stringify(text.length > 200 ? text.slice(0, 200) + '…' : text)}` : ''}`);
    this.name = 'ListFormatError';
    this.file = file;
    this.line = line;
    this.text = text;
  }
}

/** An invalid configuration, named by file and key path. */
export class ConfigError extends IpdestError {
  readonly file: string;
  readonly path: string;
  constructor(file: string, path: string, reason: string) {
    super('CONFIG_INVALID', `${file}${path ? `: ${path}` : ''}: ${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.path = path;
  }
}
