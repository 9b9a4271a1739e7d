// The configuration's shape and defaults, validated with zod; defaults state their units.
import { z } from 'zod';
import { BUILTIN_NAMES, FORMATS } from '../lists/index.js';
import { SCOPES } from '../net/index.js';

const DURATION = /^([1-9][0-9]*)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '24h', '30m', '90s', '7d', or a number of seconds → milliseconds. */
export function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v * 1000 : null;
  const m = DURATION.exec(v.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 24h, 30m, 90s or 7d, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

/** A condition is a list; a single value is taken as a list of one. */
// An empty list would make a condition that nothing matches: the rule would never decide.
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([z.array(item).min(1, 'an empty list matches nothing: leave the condition out instead'), item.transform((v) => [v])]) as unknown as z.ZodType<
    Array<z.output<T>>
  >;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const listSpecSchema = z.strictObject({
  name: z.string().regex(NAME, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
  tag: z.string().min(1),
  format: z.enum(FORMATS),
  path: z.string().min(1),
  column: z.union([z.string().min(1), z.number().int().positive()]).optional(),
  // Where `ipdest lists update` downloads the list from (https, http or file); absent: the format's official source.
  url: z.url({ protocol: /^(https?|file)$/, error: 'expected an https://, http:// or file:// URL' }).optional(),
  // How often the server re-checks the source (a conditional request: unchanged lists cost no download).
  refresh: duration.optional(),
  // Older than this since its last successful check, the list counts as stale (/lists, /readyz).
  maxAge: duration.optional(),
  // A download with more than this fraction fewer prefixes than the active file is held back
  // (a truncated or half-published list); it is accepted when fetched again unchanged, or with --force.
  maxShrink: z.number().min(0, 'a fraction from 0 to 1, e.g. 0.1 for 10%').max(1, 'a fraction from 0 to 1, e.g. 0.1 for 10%').default(0.1),
  // provider: a cloud or network operator's own space; threat: a block list (its matches go under `threat`).
  kind: z.enum(['provider', 'threat'], { error: 'expected provider or threat' }).default('provider'),
  // Readiness waits for it: /readyz answers 503 while no version of this list is in service.
  required: z.boolean().default(false),
  // A file that parses to no prefixes loads as an empty list instead of failing (kept out by default).
  allowEmpty: z.boolean().default(false),
});

export const ruleSchema = z.strictObject({
  name: z.string().min(1).optional(),
  action: z.enum(['keep', 'drop']),
  tags: oneOrMany(z.string()).optional(),
  lists: oneOrMany(z.string()).optional(),
  scope: oneOrMany(z.enum(SCOPES as [string, ...string[]])).optional(),
  services: oneOrMany(z.string()).optional(),
  regions: oneOrMany(z.string()).optional(),
  ports: oneOrMany(z.number().int().min(0).max(65535)).optional(),
  protocols: oneOrMany(z.string()).optional(),
  direction: oneOrMany(z.enum(['inbound', 'outbound'])).optional(),
  images: oneOrMany(z.string()).optional(),
  external: z.boolean().optional(),
  // The address's hosting (its most specific provider match): first-party or customer.
  hosting: oneOrMany(z.enum(['first-party', 'customer'])).optional(),
  // The owner's AS number, and organisation (globs).
  asns: oneOrMany(z.number().int().min(0).max(4294967295)).optional(),
  orgs: oneOrMany(z.string()).optional(),
  // true: a threat list holds the address (only a rule saying so, or naming the list, drops one).
  threat: z.boolean().optional(),
});

const builtinsShape = Object.fromEntries(BUILTIN_NAMES.map((n) => [n, z.union([z.string().min(1), z.literal(false)]).optional()]));

export const DEFAULT_ADDRESS_FIELDS = [
  'destination.ip',
  'winlog.event_data.DestinationIp',
  'event_data.DestinationIp',
  // evtx_dump and Chainsaw JSON of Sysmon and Security 5156 events.
  'Event.EventData.DestinationIp',
  // Hayabusa's JSONL timeline: the event's own fields (`--profile all-field-info` or `super-verbose`),
  // which say the direction, else its abridged `Details` (the standard profile), which do not.
  'AllFieldInfo.DestinationIp',
  // Azure Monitor VMConnection: before DestinationIp, which such a row also has (the local side when inbound).
  'RemoteIp',
  'DestinationIp',
  // Windows Security event 5156 (Winlogbeat, NXLog, evtx_dump).
  'winlog.event_data.DestAddress',
  'event_data.DestAddress',
  'Event.EventData.DestAddress',
  'AllFieldInfo.DestAddress',
  'DestAddress',
  'Details.TgtIP',
  'dst_addr',
  'remote_address',
  'ip',
];

/** The admin token's least length, for `server.adminToken` and IPDEST_ADMIN_TOKEN alike. */
export const ADMIN_TOKEN_MIN = 16;

/**
 * The limits' defaults and bounds. A request is parsed, enriched and answered on the event loop:
 * 64 MiB of Sysmon events (~40k) holds it for about a second on a 2-core machine (JSON parse
 * ~0.45 s, enrich ~0.1 s, answer ~0.25 s), so larger bodies would stall every other request for
 * seconds. The default body fits a real 714-event winlogbeat file (1,202,964 bytes) 3.5 times over.
 */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
export const MAX_BODY_LIMIT = 64 * 1024 * 1024;
export const DEFAULT_BATCH_LIMIT = 10_000;
/** `server.workers` at most: each worker holds its own tables (about 100 MB with the real lists). */
export const MAX_WORKERS = 256;
export const MAX_BATCH_LIMIT = 100_000;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      // bytes: 4 MiB
      bodyLimit: z
        .number()
        .int()
        .positive()
        .max(
          MAX_BODY_LIMIT,
          `at most ${MAX_BODY_LIMIT} (64 MiB): a request is parsed and answered on the event loop, and a 64 MiB body already holds it for about a second; send more in several requests`,
        )
        .default(DEFAULT_BODY_LIMIT),
      // items per batch request
      batchLimit: z
        .number()
        .int()
        .positive()
        .max(
          MAX_BATCH_LIMIT,
          `at most ${MAX_BATCH_LIMIT}: every item of a batch is judged on the event loop before the answer goes out; send more in several requests`,
        )
        .default(DEFAULT_BATCH_LIMIT),
      // Processes serving (`serve --workers`): 1 is one process, no cluster; 'auto' one per core. Also IPDEST_WORKERS.
      workers: z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal('auto')]).default(1),
      // ms of event-loop lag past which requests are answered 503; a reload of the real lists
      // holds the loop for up to ~1 s, so the default sits above that.
      maxEventLoopDelay: z.number().int().positive().default(2000),
      adminToken: z.string().min(ADMIN_TOKEN_MIN, `too short: use at least ${ADMIN_TOKEN_MIN} characters`).optional(),
      requestTimeout: z.number().int().positive().default(30_000), // ms for a whole request once it starts; past it: 408, connection closed
      headersTimeout: z.number().int().positive().default(10_000), // ms for a request's headers (and a new connection's first request)
      socketTimeout: z.number().int().positive().default(120_000), // ms of no progress on an open request (an answer nobody reads)
      shutdownTimeout: z.number().int().positive().default(10_000), // ms SIGTERM waits for answers in flight before closing their connections
      // Open connections at most; default: the open-files limit less a reserve and the files open at start.
      maxConnections: z.number().int().min(8).optional(),
      // POST /lookup's common case answered before Fastify's request lifecycle (src/http/fast-lookup.ts).
      fastLookup: z.boolean().default(true),
      // Log every request (off: the hot routes log nothing per request). Also IPDEST_LOG_REQUESTS=1.
      logRequests: z.boolean().default(false),
      // pino level; also LOG_LEVEL.
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  lists: z
    .array(listSpecSchema)
    .default([])
    .superRefine((lists, ctx) => {
      const seen = new Set<string>();
      lists.forEach((l, i) => {
        if (seen.has(l.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate list name ${JSON.stringify(l.name)}` });
        if (BUILTIN_NAMES.includes(l.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${JSON.stringify(l.name)} is a built-in list's name; re-tag it under builtins instead` });
        if (l.format === 'csv' && l.column === undefined)
          ctx.addIssue({ code: 'custom', path: [i, 'column'], message: 'format csv needs a column (header name or 1-based number)' });
        seen.add(l.name);
      });
    }),
  builtins: z.strictObject(builtinsShape).default({}),
  // Who holds each global address (`owner` in results: AS number, organisation, country).
  owners: z
    .strictObject({
      enabled: z.boolean().default(true),
      // Own `start,end,asn,org` / `start,end,country` files (paths relative to this file) instead of
      // the datasets installed with ipdest (@ip-location-db/asn, @ip-location-db/geo-whois-asn-country).
      asn: z.array(z.string().min(1)).optional(),
      country: z.array(z.string().min(1)).optional(),
      // Folder for the built table (a few seconds to build, ~0.2 s to read back); false: never cached.
      // Default: IPDEST_CACHE_DIR, else $XDG_CACHE_HOME/ipdest, else ~/.cache/ipdest.
      cache: z.union([z.string().min(1), z.literal(false)]).optional(),
      // MaxMind-format files instead (GeoLite2-ASN and/or -Country/-City .mmdb), read with mmdb-lib.
      mmdb: z.array(z.string().min(1)).min(1).optional(),
    })
    .prefault({}),
  enrich: z
    .strictObject({
      addressFields: z.array(z.string().min(1)).min(1).default(DEFAULT_ADDRESS_FIELDS),
      field: z.string().min(1).default('IPDestination'),
      detailsField: z.string().min(1).nullable().default('ipdest'),
      addTags: z.boolean().default(false),
    })
    // ipdest writes each of these keys: two of them in one place would lose one of its answers.
    .superRefine((e, ctx) => {
      if (e.detailsField !== null && e.field === e.detailsField)
        ctx.addIssue({
          code: 'custom',
          path: ['detailsField'],
          message: `must differ from enrich.field (both are ${JSON.stringify(e.field)}): the tag and the details would overwrite each other`,
        });
      if (e.addTags && (e.field === 'tags' || e.detailsField === 'tags'))
        ctx.addIssue({
          code: 'custom',
          path: [e.field === 'tags' ? 'field' : 'detailsField'],
          message: 'cannot be "tags" while addTags is on: addTags appends the tag to the event\'s tags array',
        });
    })
    .prefault({}),
  rules: z
    .strictObject({
      default: z.enum(['keep', 'drop']).default('keep'),
      list: z.array(ruleSchema).default([]),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ListSpec = z.output<typeof listSpecSchema>;
export type RuleSpec = z.output<typeof ruleSchema>;
