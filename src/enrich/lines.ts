// Line-oriented enrichment (NDJSON, raw netfilter lines, CSV rows): one line in, one output record out.
import { parseNetfilter } from './netfilter.js';
import { jsonKind, type Enricher } from './enricher.js';
import { tagOf, type Result } from './result.js';
import { editObject, objectSpans } from './json-text.js';

export interface LineOutcome {
  /** The record to write, without a line end. */
  readonly text: string;
  readonly dropped: boolean;
  /** The line was not a JSON object (an INVALID_EVENT record stands in its place). */
  readonly invalid: boolean;
  readonly details: Result | null;
  /** The event as parsed (null when the line was none): what the service's live audit reads the host from. */
  readonly event: Record<string, unknown> | null;
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
      return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null, event: null };
    }
  }
  if (!isPlainObject(event)) {
    const rec = invalidEventRecord(enricher.options.detailsField, lineNo, `expected a JSON object, got ${jsonKind(event)}`, opts.file);
    return { text: JSON.stringify(rec), dropped: false, invalid: true, details: null, event: null };
  }
  const r = enrichToText(enricher, event, source);
  return { text: r.text, dropped: r.details.action === 'drop', invalid: false, details: r.details, event };
}

/**
 * The enriched event as JSON text: `source` (the text the event was parsed from; serialised
 * when absent, for events ipdest built itself) with ipdest's additions edited in. Nothing else
 * changes: numbers (64-bit record ids too), escapes and key order pass through as they came.
 * ipdest's fields are always ipdest's answer: an event that arrives with its own `IPDestination`
 * or details has them replaced (or removed, when no list matched), never trusted.
 */
export function enrichToText(enricher: Enricher, event: Record<string, unknown>, source?: string): { text: string; details: Result } {
  const o = enricher.options;
  // The details' text is written from the Enricher's prebuilt fragments.
  const judged = o.detailsField === null ? null : enricher.judgeText(event);
  const d = judged === null ? enricher.judge(event) : judged.result;
  const tag = tagOf(d);
  const own = source ?? JSON.stringify(event);
  const details = judged === null ? null : judged.json;
  const fieldKey = keyText(o.field);
  const touchesTags = o.addTags && tag !== null;
  // The common case: none of ipdest's keys in the event, so the additions go before its closing brace.
  if (!touchesTags && !Object.hasOwn(event, o.field) && (o.detailsField === null || !Object.hasOwn(event, o.detailsField))) {
    let add = tag === null ? '' : fieldKey + JSON.stringify(tag);
    if (details !== null) add += (add ? ',' : '') + keyText(o.detailsField!) + details;
    return { text: appendMembers(own, add), details: d };
  }
  return { text: editEvent(own, event, o, tag, details), details: d };
}

// Keys JSON-encoded once per options object (an Enricher and its reloaded successors share it).
const keyTexts = new Map<string, string>();
function keyText(key: string): string {
  let k = keyTexts.get(key);
  if (k === undefined) {
    k = `${JSON.stringify(key)}:`;
    keyTexts.set(key, k);
  }
  return k;
}

/** `own`: one JSON object's text (blanks around it allowed); `add` goes before its closing brace. */
function appendMembers(own: string, add: string): string {
  const start = own.indexOf('{');
  const end = own.lastIndexOf('}');
  if (add === '') return own.slice(start, end + 1);
  let i = end - 1;
  while (isJsonBlank(own.charCodeAt(i))) i--;
  return `${own.slice(start, end)}${i === start /* no members */ ? '' : ','}${add}}`;
}

/**
 * The event text with ipdest's fields set in place: the tag field and details replace the
 * event's own (the first occurrence keeps its position, duplicates go), the tag is removed when
 * no list matched, and with addTags the tag joins `tags` (an array gets it appended, any other
 * value becomes an array holding that value and the tag).
 */
function editEvent(own: string, event: Record<string, unknown>, o: Enricher['options'], tag: string | null, details: string | null): string {
  const spans = objectSpans(own);
  const replace = new Map<number, string>();
  const remove = new Set<number>();
  const append: string[] = [];
  const setField = (key: string, value: string | null): void => {
    let seen = false;
    spans.members.forEach((m, i) => {
      if (m.key !== key) return;
      if (value === null || seen) remove.add(i);
      else replace.set(i, value);
      seen = true;
    });
    if (!seen && value !== null) append.push(keyText(key) + value);
  };
  setField(o.field, tag === null ? null : JSON.stringify(tag));
  if (o.addTags && tag !== null && o.field !== 'tags' && o.detailsField !== 'tags') {
    // JSON.parse keeps the last of duplicate keys: that is the `tags` the event has.
    let last = -1;
    spans.members.forEach((m, i) => {
      if (m.key === 'tags') last = i;
    });
    const tagText = JSON.stringify(tag);
    if (last < 0) append.push(`"tags":[${tagText}]`);
    else {
      const m = spans.members[last]!;
      const current = event.tags;
      const valueText = own.slice(m.valueStart, m.valueEnd);
      if (Array.isArray(current)) {
        if (!current.includes(tag)) {
          const close = valueText.lastIndexOf(']');
          const inner = valueText.slice(1, close).trim();
          replace.set(last, `${valueText.slice(0, close)}${inner === '' ? '' : ','}${tagText}]`);
        }
      } else if (current === null) {
        replace.set(last, `[${tagText}]`);
      } else {
        replace.set(last, current === tag ? `[${valueText}]` : `[${valueText},${tagText}]`);
      }
    }
  }
  if (o.detailsField !== null) setField(o.detailsField, details);
  return editObject(own, spans, { replace, remove, append });
}

function isJsonBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
