// Config errors as a user reads them: `file: lists[2] (name "aws"): unknown key "refesh" (did you mean "refresh"?) at line 8, column 5`.
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

export interface ErrorPosition {
  line?: number | undefined;
  col?: number | undefined;
  /**
   * The key path as shown in the message (`lists[2] (name "aws")`). Given: a key's error, which
   * reads `file: display: reason at line L, column C`. Absent: a syntax error, which reads
   * `file:line:col: reason` before the parser's code frame.
   */
  display?: string | undefined;
}

/** A ConfigError that also knows where in the file it is; `file` stays the file alone, `path` the dotted key path (`lists.2.refesh`). */
export class ConfigFileError extends ConfigError {
  readonly line: number | undefined;
  readonly col: number | undefined;
  constructor(file: string, path: string, reason: string, where: ErrorPosition = {}) {
    super(file, path, reason);
    this.line = where.line;
    this.col = where.col;
    if (where.display === undefined) {
      const loc = where.line === undefined ? file : `${file}:${where.line}${where.col === undefined ? '' : `:${where.col}`}`;
      this.message = `${loc}${path ? `: ${path}` : ''}: ${reason}`;
    } else {
      const [first, ...rest] = reason.split('\n');
      this.message = [`${file}${where.display ? `: ${where.display}` : ''}: ${first}${atLine(where)}`, ...rest].join('\n');
    }
  }
}

/** " at line 8, column 5", the parser's own wording; '' when the position is not known. */
export function atLine(where: { line?: number | undefined; col?: number | undefined }): string {
  if (where.line === undefined) return '';
  return ` at line ${where.line}${where.col === undefined ? '' : `, column ${where.col}`}`;
}

type Segment = PropertyKey;

/** `lists[2] (name "aws").format`: indexes in brackets, and the `name` of any entry that has one. */
export function displayPath(path: readonly Segment[], doc: unknown): string {
  let out = '';
  let node: unknown = doc;
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      node = Array.isArray(node) ? node[seg] : undefined;
      const name = isRecord(node) ? node.name : undefined;
      if (typeof name === 'string' && name !== '') out += ` (name ${JSON.stringify(name)})`;
    } else {
      out += (out ? '.' : '') + String(seg);
      node = isRecord(node) ? node[String(seg)] : undefined;
    }
  }
  return out;
}

export function dottedPath(path: readonly Segment[]): string {
  return path.map(String).join('.');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(doc: unknown, path: readonly Segment[]): unknown {
  let node = doc;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isRecord(node)) node = node[String(seg)];
    else return undefined;
  }
  return node;
}

/** Keys whose values are never repeated in a message. */
const SECRET = /token|secret|password|key$/i;

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * A condition may be one value or a list (a union of both): its issue says only "Invalid input".
 * This picks the branch the value was meant for (the one whose issues go deepest, then the one
 * that is not about the value's type) and returns that issue, with the full path.
 */
export function expandIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue[] | undefined;
  let bestScore = -1;
  for (const branch of issue.errors) {
    if (branch.length === 0) continue;
    const depth = Math.max(...branch.map((i) => i.path.length));
    const score = depth * 2 + (branch.some((i) => i.path.length === 0 && i.code === 'invalid_type') ? 0 : 1);
    if (score > bestScore) {
      best = branch;
      bestScore = score;
    }
  }
  if (!best) return issue;
  const inner = best[0]!;
  return expandIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
}

/** What a zod issue means, in words that name the key and (unless secret) the value found. */
export function issueReason(issue: z.core.$ZodIssue, doc: unknown, schema: z.ZodType): string {
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue.keys, keysAt(schema, issue.path));
  const value = valueAt(doc, issue.path);
  const secret = issue.path.some((s) => typeof s === 'string' && SECRET.test(s));
  if (issue.code === 'invalid_type' && value === undefined) return `missing: expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
  if ((issue.code === 'invalid_value' || issue.code === 'invalid_format') && !secret) {
    return `${issue.message}, got ${shown(value)}`;
  }
  return issue.message;
}

function unknownKeys(keys: readonly string[], known: readonly string[]): string {
  const one = keys.length === 1;
  const names = keys.map((k) => JSON.stringify(k)).join(', ');
  const suggestions = keys.map((k) => closest(k, known)).filter((s): s is string => s !== undefined);
  let hint = '';
  if (one && suggestions.length === 1) hint = ` (did you mean ${JSON.stringify(suggestions[0])}?)`;
  else if (known.length > 0) hint = ` (the keys here are ${known.join(', ')})`;
  return `unknown key${one ? '' : 's'} ${names}${hint}`;
}

/** The known key nearest to a misspelt one: same letters in another case, or at most two edits (one for short keys). */
export function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestD = key.length <= 4 ? 1 : 2;
  for (const k of known) {
    if (k.toLowerCase() === lower) return k;
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

// Walking the schema to the object an issue is in, to list (and suggest) its keys.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(s: unknown): Def | undefined {
  return (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  for (let i = 0; s && i < 20; i++) {
    const def = defOf(s)!;
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
  return s;
}

function child(s: z.ZodType | undefined, seg: Segment): z.ZodType | undefined {
  const u = unwrap(s);
  const def = defOf(u);
  if (!def) return undefined;
  if (def.type === 'object') return def.shape?.[String(seg)];
  if (def.type === 'array') return def.element;
  if (def.type === 'union') {
    for (const o of def.options ?? []) {
      const c = child(o, seg);
      if (c) return c;
    }
  }
  return undefined;
}

/** The keys the schema allows at a path ([] when it is not an object there). */
export function keysAt(schema: z.ZodType, path: readonly Segment[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (const seg of path) s = child(s, seg);
  const def = defOf(unwrap(s));
  if (def?.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def?.type === 'union') {
    for (const o of def.options ?? []) {
      const d = defOf(unwrap(o));
      if (d?.type === 'object' && d.shape) return Object.keys(d.shape);
    }
  }
  return [];
}
