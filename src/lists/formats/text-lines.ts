// Line splitting shared by the line-based formats: BOM, CRLF and blank-file handling.
import { ListFormatError } from '../../errors.js';

const LINE_BREAK = /\r?\n|\r/;

/** Splits text into lines (1-based numbering is the index + 1); rejects an empty file. */
export function splitLines(text: string, file: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new ListFormatError(file, 1, '', 'the file is empty');
  return body.split(LINE_BREAK);
}

/** Strips a UTF-8 BOM. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
