// Line-oriented enrichment (NDJSON, raw netfilter lines, CSV rows): one line in, one output record out.
import { parseNetfilter } from './netfilter.js';
import { isFailure, jsonKind, type Enricher, type EventDetails } from './enricher.js';
import { detailsJson } from './serialize.js';

export interface LineOutcome {
  /** The record to write, without a line end. */
  readonly text: string;
  readonly dropped: boolean;
  /** The line was not a JSON object (an INVALID_EVENT record stands in its place). */
  readonly invalid: boolean;
  readonly details: EventDetails | null;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The record that stands in place of a line or element that is not a JSON object. */
export function invalidEventRecord(detailsField: string | null, line: number, message: string, file?: string): Record<string, unknown> {
  const error: Record<string, unknown> = { code: 'INVALID_EVENT', line, message };
  if (file !== undefined) error.file = file;
  return { [detailsField ?? 'ipdest']: { error } };
}

export interface LineOptions {
  /** Take a non-JSON line holding netfilter fields as `{"message": line}` (log files). */
  readonly rawNetfilter?: boolean;
  readonly file?: string;
}

/** Enriches one NDJSON line; never throws. */
export function enrichLine(enricher: Enricher, line: string, lineNo: number, opts: LineOptions = {}): LineOutcome {
  let event: unknown;
  let source: string | undefined = line; // the event's own JSON text, when it is one
  try {
    event = JSON.parse(line);
  } catch (err) {
    if (opts.rawNetfilter && parseNetfilter(line) !== null) {
      event = { message: line };
      source = undefined;
    } else {
      const rec = invalidEventRecord(enricher.options.detailsField, lineNo, `not JSON: ${(err as Error).message}`, opts.file);
      return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null };
    }
  }
  if (!isPlainObject(event)) {
    const rec = invalidEventRecord(enricher.options.detailsField, lineNo, `expected a JSON object, got ${jsonKind(event)}`, opts.file);
    return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null };
  }
  const r = enrichToText(enricher, event, source);
  return { text: r.text, dropped: r.details.action === 'drop', invalid: false, details: r.details };
}

/**
 * The enriched event as JSON text. When the event has none of the keys enrichment adds, the
 * additions go at the end of the object, so the text is the event's own JSON with them spliced
 * in before the closing brace: the details are written once, not built and then serialised
 * with the event. Otherwise (keys already present, addTags) the event is changed and serialised.
 * `source`, the text the event was parsed from, is that JSON as it came: not serialised again,
 * so its numbers (64-bit record ids too), escapes and key order pass through untouched.
 */
export function enrichToText(enricher: Enricher, event: Record<string, unknown>, source?: string): { text: string; details: EventDetails } {
  const plan = splicePlan(enricher.options);
  if (plan === null || Object.hasOwn(event, plan.field) || (plan.details !== null && Object.hasOwn(event, plan.details))) {
    const details = enricher.enrich(event);
    return { text: JSON.stringify(event), details };
  }
  const d = enricher.judge(event);
  return { text: splice(source ?? JSON.stringify(event), d, plan), details: d };
}

/** The options' keys, JSON-encoded once; null when additions cannot be appended as text. */
interface SplicePlan {
  readonly field: string;
  readonly details: string | null;
  readonly fieldKey: string;
  readonly detailsKey: string | null;
}

// Built once per options object (an Enricher and its reloaded successors share it).
const plans = new WeakMap<Enricher['options'], SplicePlan | null>();

function splicePlan(o: Enricher['options']): SplicePlan | null {
  let plan = plans.get(o);
  if (plan === undefined) {
    // addTags changes `tags` in place; keys that look like array indices sort first in JSON.stringify.
    plan = o.addTags || isIndexLike(o.field) || (o.detailsField !== null && isIndexLike(o.detailsField))
      ? null
      : { field: o.field, details: o.detailsField, fieldKey: `${JSON.stringify(o.field)}:`, detailsKey: o.detailsField === null ? null : `${JSON.stringify(o.detailsField)}:` };
    plans.set(o, plan);
  }
  return plan;
}

function isIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** `own`: one JSON object's text (blanks around it allowed); the additions go before its closing brace. */
function splice(own: string, d: EventDetails, plan: SplicePlan): string {
  let add = '';
  const tag = isFailure(d) ? null : d.IPDestination;
  if (tag !== null) add += plan.fieldKey + JSON.stringify(tag);
  if (plan.detailsKey !== null) add += (add ? ',' : '') + plan.detailsKey + detailsJson(d);
  const start = own.indexOf('{');
  const end = own.lastIndexOf('}');
  if (add === '') return own.slice(start, end + 1);
  let i = end - 1;
  while (isJsonBlank(own.charCodeAt(i))) i--;
  return `${own.slice(start, end)}${i === start /* no members */ ? '' : ','}${add}}`;
}

function isJsonBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
