// JSON list files: parsing with line-numbered errors, and finding the line of a bad value afterwards.
import { ListFormatError } from '../../errors.js';
import { rejectHtml, stripBom } from './text-lines.js';

const POSITION = /at position (\d+)/;
const LINE_COLUMN = /\(line (\d+) column \d+\)/;

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** JSON.parse with the error mapped to file:line. */
export function parseJsonFile(text: string, file: string): unknown {
  const body = stripBom(text);
  if (body.trim() === '') throw new ListFormatError(file, 1, '', 'the file is empty');
  rejectHtml(body, file);
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = (err as Error).message;
    const lc = LINE_COLUMN.exec(message);
    const pos = POSITION.exec(message);
    const line = lc ? Number(lc[1]) : pos ? lineAt(body, Number(pos[1])) : 1;
    const lineText = body.split('\n')[line - 1] ?? '';
    throw new ListFormatError(file, line, lineText.trim(), `invalid JSON (${message})`);
  }
}

/** The line where a string value first appears in the file, for errors found after parsing. */
export function lineOfValue(text: string, value: string): number {
  const at = text.indexOf(JSON.stringify(value));
  return at < 0 ? 1 : lineAt(text, at);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws a format error unless v is an array; `where` names the key for the message. */
export function expectArray(v: unknown, file: string, text: string, where: string): unknown[] {
  if (!Array.isArray(v)) throw new ListFormatError(file, lineOfKey(text, where), '', `expected "${where}" to be an array`);
  return v;
}

export function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`"${key}"`);
  return at < 0 ? 1 : lineAt(text, at);
}

export function versionOf(v: unknown): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}
