// JSON schemas with $id: the OpenAPI document's shapes; test/http/schemas.test.ts validates real answers against them.

export const matchSchema = {
  $id: 'Match',
  type: 'object',
  properties: {
    list: { type: 'string' },
    tag: { type: 'string' },
    prefix: { type: 'string', examples: ['13.107.4.0/22'] },
    services: { type: 'array', items: { type: 'string' } },
    regions: { type: 'array', items: { type: 'string' } },
    hosting: {
      type: 'string',
      enum: ['first-party', 'customer'],
      description: "a provider list's match: the provider's own service, or space its customers rent (docs/attribution.md); absent for other lists",
    },
  },
  required: ['list', 'tag', 'prefix', 'services', 'regions'],
  additionalProperties: false,
} as const;

export const resultSchema = {
  $id: 'LookupResult',
  description: 'The result of a lookup; an unclassifiable address has `error` instead of the classification.',
  type: 'object',
  properties: {
    input: { type: 'string' },
    ip: { type: 'string', description: 'canonical text; IPv4 for IPv4-mapped input' },
    version: { type: 'integer', enum: [4, 6] },
    mapped: { type: 'boolean' },
    IPDestination: { type: ['string', 'null'], description: 'the tag of the most specific match' },
    label: { type: 'string', description: 'never null: the tag, else Unlisted for a global address, else the scope' },
    tags: { type: 'array', items: { type: 'string' } },
    matches: { type: 'array', items: { $ref: 'Match#' } },
    threat: {
      type: 'array',
      description: 'threat lists (kind: threat) holding a global address: the list and its most specific prefix; absent when none',
      items: {
        type: 'object',
        properties: { list: { type: 'string' }, prefix: { type: 'string' } },
        required: ['list', 'prefix'],
        additionalProperties: false,
      },
    },
    scope: { type: 'string' },
    external: { type: 'boolean' },
    owner: {
      type: 'object',
      description: 'who holds a global address (the owner layer: ip-location-db ASN and country data by default); absent where unknown',
      properties: {
        asn: { type: 'integer', examples: [8075] },
        org: { type: 'string', examples: ['Microsoft Corporation'] },
        country: { type: 'string', examples: ['US'] },
      },
      additionalProperties: false,
    },
    action: { type: 'string', enum: ['keep', 'drop'] },
    rule: { type: ['string', 'integer'], description: 'the rule that decided (name or index); absent when the default decided' },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    port: { type: 'integer' },
    protocol: { type: 'string' },
    service: { type: 'string' },
    process: { type: 'string' },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: ['INVALID_ADDRESS', 'NO_ADDRESS'] },
        message: { type: 'string' },
        field: { type: 'string' },
        value: { type: 'string' },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['action'],
  additionalProperties: false,
  // Either the classification or the error, never both.
  oneOf: [
    { required: ['ip', 'version', 'mapped', 'IPDestination', 'label', 'tags', 'matches', 'scope', 'external'], not: { required: ['error'] } },
    { required: ['error'], not: { required: ['ip'] } },
  ],
} as const;

export const batchResultsSchema = {
  $id: 'LookupResults',
  type: 'object',
  properties: { results: { type: 'array', items: { $ref: 'LookupResult#' } } },
  required: ['results'],
  additionalProperties: false,
} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
} as const;

export const listSchema = {
  $id: 'List',
  type: 'object',
  properties: {
    name: { type: 'string' },
    tag: { type: 'string' },
    format: { type: 'string' },
    source: {
      type: ['string', 'null'],
      enum: ['snapshot', 'file', 'download', null],
      description:
        "where the version in service came from: ipdest's shipped snapshot (the list's file is absent), a file put in place, or one `ipdest lists update` wrote; null: none is in service",
    },
    file: { type: ['string', 'null'], description: 'the file read: the newest match of the path, or the snapshot file' },
    version: { type: ['string', 'null'] },
    published: { type: ['string', 'null'], description: "the publisher's own date of the version in service (ISO 8601); null when its file does not say" },
    fetchedAt: { type: ['string', 'null'], description: 'when `ipdest lists update` downloaded it; null for a file put in place and for the snapshot' },
    activatedAt: { type: ['string', 'null'], description: 'when the updater made it the list file; null as for fetchedAt' },
    stale: { type: 'boolean', description: "past the list's max age (30 days by default): a snapshot from its published date, a download from its fetch" },
    staleAt: { type: ['string', 'null'], description: 'when it turns stale; null: never (a file put in place has no age to go by)' },
    rejected: {
      type: ['object', 'null'],
      description: "the updater's last refused download of this list",
      properties: { at: { type: 'string' }, reason: { type: 'string' } },
      required: ['at', 'reason'],
      additionalProperties: false,
    },
    loadedAt: { type: ['string', 'null'], description: 'when the version in service was read; null: none is' },
    state: {
      type: 'string',
      enum: ['loaded', 'missing', 'failed', 'builtin'],
      description: 'how the last load went; missing and failed lists keep their last good version',
    },
    required: { type: 'boolean', description: 'readiness waits for this list' },
    prefixes: { type: 'object', properties: { v4: { type: 'integer' }, v6: { type: 'integer' } } },
    warnings: { type: 'array', items: { type: 'string' } },
    error: {
      type: ['object', 'null'],
      description:
        "the last load's error; in GET /lists `text` is a short escaped excerpt of the offending line (the whole line: the log and POST /admin/reload)",
      properties: {
        code: {
          type: 'string',
          enum: ['LIST_FORMAT', 'LIST_FAILED'],
          description: 'LIST_FORMAT: a malformed line; LIST_FAILED: unreadable, too slow, too large, or no prefixes',
        },
        message: { type: 'string' },
        file: { type: ['string', 'null'] },
        line: { type: ['integer', 'null'] },
        text: { type: ['string', 'null'] },
      },
      required: ['code', 'message', 'file', 'line', 'text'],
      additionalProperties: false,
    },
  },
} as const;

const names = { type: 'array', items: { type: 'string' } } as const;

const readinessProperties = {
  status: {
    type: 'string',
    enum: ['ready', 'degraded', 'not-ready'],
    description: 'degraded: a configured list is missing or failed; not-ready: before the first load, or a required list has no version in service',
  },
  missing: { ...names, description: 'configured lists whose file is not there' },
  stale: { ...names, description: 'lists in service past their maximum age (e.g. served from an old snapshot)' },
  failed: { ...names, description: 'configured lists whose last load failed (their last good version serves)' },
  waitingFor: { ...names, description: 'required lists with no version in service' },
} as const;

export const ownersSchema = {
  $id: 'Owners',
  type: 'object',
  description: 'the owner layer: where `owner` in results comes from, with its licence',
  properties: {
    state: { type: 'string', enum: ['loaded', 'off', 'failed'] },
    prefixes: { type: 'object', properties: { v4: { type: 'integer' }, v6: { type: 'integer' } } },
    cached: { type: 'boolean', description: 'read from its cache file rather than built from the dataset files' },
    sources: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, files: { type: 'array', items: { type: 'string' } }, ranges: { type: 'integer' }, licence: { type: 'string' } },
      },
    },
    error: { type: ['string', 'null'] },
  },
} as const;

export const listsSchema = {
  $id: 'Lists',
  type: 'object',
  properties: { ...readinessProperties, lists: { type: 'array', items: { $ref: 'List#' } }, owners: { $ref: 'Owners#' } },
} as const;

export const readinessSchema = {
  $id: 'Readiness',
  type: 'object',
  properties: {
    ...readinessProperties,
    lists: { type: 'integer', description: 'lists in service, built-ins included' },
    builtAt: { type: 'string', description: 'when the tables in service were built' },
    message: { type: 'string', description: 'when degraded: what is missing or failed' },
    error: {
      type: 'object',
      description: 'when not-ready: NOT_READY and what readiness waits for',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
  required: ['status', 'missing', 'stale', 'failed'],
} as const;

/** GET /audit: the audit report (docs/audit.md); its sections' rows are described there, and kept open here. */
export const auditReportSchema = {
  $id: 'AuditReport',
  type: 'object',
  properties: {
    input: { type: 'object', additionalProperties: true },
    totals: { type: 'object', additionalProperties: true },
    destinations: { type: 'array', items: { type: 'object', additionalProperties: true } },
    byTag: { type: 'array' },
    byService: { type: 'array' },
    byOwner: { type: 'array' },
    processes: { type: 'array' },
    hosts: { type: 'array' },
    beacons: { type: 'array' },
    strobes: { type: 'array' },
    longConnections: { type: 'array' },
    live: { type: 'object', additionalProperties: true, description: 'since when, first-seen counts, notes on what is counted' },
    bounds: { type: 'object', additionalProperties: true, description: 'per Space-Saving section: k, tracked, counted, evicted, maxOvercount' },
  },
  required: ['input', 'totals', 'destinations', 'byTag', 'byService', 'byOwner', 'processes', 'hosts', 'beacons', 'live', 'bounds'],
  additionalProperties: true,
} as const;

export const ALL_SCHEMAS = [
  matchSchema,
  resultSchema,
  batchResultsSchema,
  errorSchema,
  listSchema,
  ownersSchema,
  listsSchema,
  readinessSchema,
  auditReportSchema,
];
