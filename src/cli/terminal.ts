// Text bound for a terminal: control and bidi characters shown as escapes, so input cannot repaint the screen.

/**
 * C0 controls, DEL, C1 controls (8-bit CSI is U+009B), line and paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates (U+202E turns `gpj.exe` around).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_TEST = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function escapeOne(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * The text with each unsafe character written as `\x1b` or `\u202e`. A backslash is left as it is:
 * doubling it would garble Windows paths, and a literal `\x1b` is harmless to show.
 */
export function visible(text: string): string {
  // Most cells are clean: one test, no copy.
  return UNSAFE_TEST.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}
