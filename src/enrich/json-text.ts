// Spans of a JSON text's top-level members or elements, so an event can be edited without serialising it again.

/**
 * The scanners below read texts that JSON.parse has already accepted: they only find where each
 * member or element starts and ends (skipping strings and counting brackets, no recursion, so
 * nesting depth costs nothing), and never validate. Bytes outside the edited spans are copied as
 * they came: 64-bit integers, number spellings, escapes and key order pass through untouched.
 */

/** One top-level member of an object text: its decoded key and where its key and value lie. */
export interface MemberSpan {
  readonly key: string;
  readonly keyStart: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** An object text's members, and the positions of its braces. */
export interface ObjectSpans {
  readonly open: number;
  readonly close: number;
  readonly members: readonly MemberSpan[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** `i` at a string's opening quote: the index just past its closing quote. */
function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) throw new SyntaxError('unterminated string');
    let k = q - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    // An even run of backslashes before the quote escapes only itself.
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` at a value's first character: the index just past the value. */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === QUOTE) j = skipString(s, j) - 1;
      else if (ch === 0x7b || ch === 0x5b) depth++;
      else if ((ch === 0x7d || ch === 0x5d) && --depth === 0) return j + 1;
    }
    throw new SyntaxError('unterminated object or array');
  }
  let j = i;
  while (j < s.length) {
    const ch = s.charCodeAt(j);
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || isBlank(ch)) break;
    j++;
  }
  return j;
}

function decodeKey(s: string, start: number, end: number): string {
  const raw = s.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(s.slice(start, end)) as string) : raw;
}

/** The members of a JSON object text (blanks around it allowed). */
export function objectSpans(s: string): ObjectSpans {
  const open = skipBlanks(s, 0);
  if (s.charCodeAt(open) !== 0x7b) throw new SyntaxError('not an object');
  const members: MemberSpan[] = [];
  let i = skipBlanks(s, open + 1);
  if (s.charCodeAt(i) === 0x7d) return { open, close: i, members };
  for (;;) {
    const keyStart = i;
    const keyEnd = skipString(s, keyStart);
    i = skipBlanks(s, keyEnd) + 1; // past ':'
    const valueStart = skipBlanks(s, i);
    const valueEnd = skipValue(s, valueStart);
    members.push({ key: decodeKey(s, keyStart, keyEnd), keyStart, valueStart, valueEnd });
    i = skipBlanks(s, valueEnd);
    if (s.charCodeAt(i) === 0x7d) return { open, close: i, members };
    i = skipBlanks(s, i + 1); // past ','
  }
}

/** The [start, end) spans of a JSON array text's elements, in order. */
export function arrayElementSpans(s: string): Array<readonly [number, number]> {
  const open = skipBlanks(s, 0);
  if (s.charCodeAt(open) !== 0x5b) throw new SyntaxError('not an array');
  const spans: Array<readonly [number, number]> = [];
  let i = skipBlanks(s, open + 1);
  if (s.charCodeAt(i) === 0x5d) return spans;
  for (;;) {
    const end = skipValue(s, i);
    spans.push([i, end]);
    i = skipBlanks(s, end);
    if (s.charCodeAt(i) === 0x5d) return spans;
    i = skipBlanks(s, i + 1);
  }
}

/** A change to an object text: a member's value replaced, a member removed, or members appended. */
export interface ObjectEdits {
  /** Member index → the new value's JSON text. */
  readonly replace: ReadonlyMap<number, string>;
  /** Member indexes to remove. */
  readonly remove: ReadonlySet<number>;
  /** `"key":value` texts to add at the end, in order. */
  readonly append: readonly string[];
}

/**
 * The object text with the edits applied; every other byte between its braces is kept. Text
 * outside the braces (a line's surrounding blanks) is not.
 */
export function editObject(s: string, spans: ObjectSpans, edits: ObjectEdits): string {
  const { members } = spans;
  const n = members.length;
  // Removals as [from, to) ranges that never overlap: a leading run of removed members goes with
  // the separators after it; any other removed member goes with the separator before it.
  const cuts: Array<readonly [number, number, string]> = [];
  let lead = 0;
  while (lead < n && edits.remove.has(lead)) lead++;
  if (lead > 0) cuts.push([members[0]!.keyStart, lead < n ? members[lead]!.keyStart : members[n - 1]!.valueEnd, '']);
  for (let i = lead; i < n; i++) {
    const m = members[i]!;
    if (edits.remove.has(i)) cuts.push([members[i - 1]!.valueEnd, m.valueEnd, '']);
    else {
      const v = edits.replace.get(i);
      if (v !== undefined) cuts.push([m.valueStart, m.valueEnd, v]);
    }
  }
  let kept = n - edits.remove.size;
  let lastEnd = spans.open + 1;
  for (let i = n - 1; i >= 0; i--) {
    if (!edits.remove.has(i)) {
      lastEnd = members[i]!.valueEnd;
      break;
    }
  }
  let out = '';
  let at = spans.open;
  for (const [from, to, text] of cuts) {
    out += s.slice(at, from) + text;
    at = to;
  }
  if (edits.append.length === 0) return out + s.slice(at, spans.close + 1);
  // Appended members go right after the last kept value; blanks before the brace are dropped.
  const tailFrom = Math.max(at, lastEnd);
  out += s.slice(at, tailFrom);
  for (const a of edits.append) {
    out += (kept > 0 ? ',' : '') + a;
    kept++;
  }
  return out + '}';
}
