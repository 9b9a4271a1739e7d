// JSON schemas with $id: the OpenAPI document's shapes; test/http/schemas.test.ts validates real answers against them.

export const matchSchema = {
  $id: 'Match',
  type: 'object',
  properties: {
    list: { type: 'string' }, tag: { type: 'string' }, prefix: { type: 'string', examples: ['13.107.4.0/22'] },
    services: { type: 'array', items: { type: 'string' } }, regions: { type: 'array', items: { type: 'string' } },
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
    scope: { type: 'string' },
    external: { type: 'boolean' },
    action: { type: 'string', enum: ['keep', 'drop'] },
    rule: { type: ['string', 'integer'], description: 'the rule that decided (name or index); absent when the default decided' },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    port: { type: 'integer' }, protocol: { type: 'string' }, service: { type: 'string' }, process: { type: 'string' },
    error: {
      type: 'object',
      properties: { code: { type: 'string', enum: ['INVALID_ADDRESS', 'NO_ADDRESS'] }, message: { type: 'string' }, field: { type: 'string' }, value: { type: 'string' } },
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
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'], additionalProperties: false } },
  required: ['error'],
  additionalProperties: false,
} as const;

export const listSchema = {
  $id: 'List',
  type: 'object',
  properties: {
    name: { type: 'string' }, tag: { type: 'string' }, format: { type: 'string' }, source: { type: ['string', 'null'] },
    version: { type: ['string', 'null'] }, loadedAt: { type: ['string', 'null'] },
    state: { type: 'string', enum: ['loaded', 'missing', 'failed', 'builtin'] },
    prefixes: { type: 'object', properties: { v4: { type: 'integer' }, v6: { type: 'integer' } } },
    warnings: { type: 'array', items: { type: 'string' } },
    error: { type: ['object', 'null'], properties: { message: { type: 'string' }, file: { type: ['string', 'null'] }, line: { type: ['integer', 'null'] }, text: { type: ['string', 'null'] } } },
  },
} as const;

export const listsSchema = {
  $id: 'Lists',
  type: 'object',
  properties: { lists: { type: 'array', items: { $ref: 'List#' } } },
} as const;

export const ALL_SCHEMAS = [matchSchema, resultSchema, batchResultsSchema, errorSchema, listSchema, listsSchema];
