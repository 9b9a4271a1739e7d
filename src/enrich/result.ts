// The contract's result of a lookup: its one description and the one place it is built.
import type { Classified, Match, Owner, ThreatMatch } from '../lists/index.js';
import type { Scope } from '../net/index.js';
import type { EventContext } from './context.js';
import type { Verdict } from './rules.js';

/** The result for an address that was classified (the contract's "Result of a lookup"). */
export interface LookupResult extends EventContext {
  readonly input: string;
  readonly ip: string;
  readonly version: 4 | 6;
  readonly mapped: boolean;
  readonly IPDestination: string | null;
  readonly label: string;
  readonly tags: readonly string[];
  readonly matches: readonly Match[];
  /** Threat lists holding a global address (absent when none). */
  readonly threat?: readonly ThreatMatch[];
  readonly scope: Scope;
  readonly external: boolean;
  /** Who holds the address (AS, organisation, country): global addresses with an owner layer only. */
  readonly owner?: Owner;
  readonly action: 'keep' | 'drop';
  /** The rule that decided (its name or index); absent when the default decided. */
  readonly rule?: string | number;
}

export type FailureCode = 'INVALID_ADDRESS' | 'NO_ADDRESS';

/** The result for input that is no address: never dropped. */
export interface LookupFailure extends EventContext {
  /** The address text, when there was one. */
  readonly input?: string;
  readonly error: {
    readonly code: FailureCode;
    readonly message: string;
    /** The event field the address came from, and its text (only a string is echoed). */
    readonly field?: string;
    readonly value?: string;
  };
  readonly action: 'keep';
}

export type Result = LookupResult | LookupFailure;

export function isFailure(r: Result): r is LookupFailure {
  return 'error' in r;
}

/** What a result is counted under: its label, or its error code. */
export function labelOf(r: Result): string {
  return 'error' in r ? r.error.code : r.label;
}

/** The tag the result gives an event (null: no list matched, or no address). */
export function tagOf(r: Result): string | null {
  return 'error' in r ? null : r.IPDestination;
}

/** Classification, verdict and the event's connection facts, as the contract's object. */
export function buildResult(c: Classified, verdict: Verdict, context: EventContext, owner?: Owner): LookupResult {
  const s = c.set;
  const r: { -readonly [K in keyof LookupResult]: LookupResult[K] } = {
    input: c.input,
    ip: c.ip,
    version: c.version,
    mapped: c.mapped,
    IPDestination: s.tag,
    label: s.label,
    tags: s.tags,
    matches: s.matches,
    // In the contract's key order: threat after matches, owner before action, each where known.
    ...(s.threat.length > 0 ? { threat: s.threat } : {}),
    scope: s.scope,
    external: s.external,
    ...(owner !== undefined ? { owner } : {}),
    action: verdict.action,
  };
  if (verdict.rule !== undefined) r.rule = verdict.rule;
  addContext(r, context);
  return r;
}

/** The failure result, with the event's connection facts. */
export function buildFailure(
  code: FailureCode,
  message: string,
  context: EventContext,
  where?: { input?: string; field?: string; value?: string },
): LookupFailure {
  const error: { -readonly [K in keyof LookupFailure['error']]: LookupFailure['error'][K] } = { code, message };
  if (where?.field !== undefined) error.field = where.field;
  if (where?.value !== undefined) error.value = where.value;
  const r: { -readonly [K in keyof LookupFailure]: LookupFailure[K] } =
    where?.input === undefined ? { error, action: 'keep' } : { input: where.input, error, action: 'keep' };
  addContext(r, context);
  return r;
}

function addContext(r: EventContext, c: EventContext): void {
  if (c.direction !== undefined) r.direction = c.direction;
  if (c.port !== undefined) r.port = c.port;
  if (c.protocol !== undefined) r.protocol = c.protocol;
  if (c.service !== undefined) r.service = c.service;
  if (c.process !== undefined) r.process = c.process;
}
