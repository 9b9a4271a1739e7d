// Line splitting shared by the line-based formats: BOM, CRLF, blank-file and HTML-page handling.
import { ListFormatError } from '../../errors.js';

const LINE_BREAK = /\r?\n|\r/;
// What a captive portal, a CDN error or a login page starts with; no list format starts with `<`.
const HTML_START = /^\s*<(?:!doctype\s+html|!--|(?:html|head|body|\?xml|title|meta)\b)/i;

/** Splits text into lines (1-based numbering is the index + 1); rejects an empty file and an HTML page. */
export function splitLines(text: string, file: string): string[] {
  const body = stripBom(text);
  if (body.trim() === '') throw new ListFormatError(file, 1, '', 'the file is empty');
  rejectHtml(body, file);
  return body.split(LINE_BREAK);
}

/** Strips a UTF-8 BOM. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Throws when the text is an HTML (or XML) page: a download that answered a web page must fail
 * saying so, not as "invalid CIDR" or "invalid JSON" on a `<` that leaves the reader guessing.
 */
export function rejectHtml(body: string, file: string): void {
  const m = HTML_START.exec(body);
  if (m === null) return;
  const at = m[0].indexOf('<');
  let line = 1;
  for (let i = 0; i < at; i++) if (body.charCodeAt(i) === 10) line++;
  const end = body.indexOf('\n', at);
  const lineText = body.slice(at, end < 0 ? undefined : end).trim();
  throw new ListFormatError(file, line, lineText, 'the file is an HTML page, not a list (an error or login page served in place of the download?)');
}
