// Line-oriented enrichment (NDJSON, raw netfilter lines, CSV rows): one line in, one output record out.
import { parseNetfilter } from './netfilter.js';
import type { Enricher, EventDetails } from './enricher.js';

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
  try {
    event = JSON.parse(line);
  } catch (err) {
    if (opts.rawNetfilter && parseNetfilter(line) !== null) {
      event = { message: line };
    } else {
      const rec = invalidEventRecord(enricher.options.detailsField, lineNo, `not JSON: ${(err as Error).message}`, opts.file);
      return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null };
    }
  }
  if (!isPlainObject(event)) {
    const kind = Array.isArray(event) ? 'an array' : event === null ? 'null' : `a ${typeof event}`;
    const rec = invalidEventRecord(enricher.options.detailsField, lineNo, `expected a JSON object, got ${kind}`, opts.file);
    return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null };
  }
  const details = enricher.enrich(event);
  return { text: JSON.stringify(event), dropped: details.action === 'drop', invalid: false, details };
}
