// The config file as YAML: syntax errors with the parser's code frame at the line the mistake is on,
// and the line and column of any key path, so validation errors can point into the file too.
import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLError } from 'yaml';
import { ConfigFileError } from './errors.js';

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A parsed config file, kept to find where a key path sits in the text. */
export interface YamlSource {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** Parses YAML text; a syntax error throws a ConfigFileError naming `file:line:col`, with the code frame. */
export function parseYamlSource(text: string, file: string): { value: unknown; source: YamlSource } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) throw syntaxError(doc, doc.errors, text, lines, file);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigFileError(file, '', `cannot be read as YAML: ${(err as Error).message}`);
  }
  return { value, source: { text, doc, lines } };
}

/**
 * Where a key path is: the value at `path`, or with `key` the key `key` of the mapping at `path`.
 * When the path does not go all the way (a missing key, a scalar where a list was expected), the
 * deepest node it reaches.
 */
export function positionOf(source: YamlSource, path: ReadonlyArray<PropertyKey>, key?: string): Position | undefined {
  let node: unknown = source.doc.contents;
  for (const seg of path) {
    const next = childNode(source.doc, node, seg);
    if (next === undefined) break;
    node = next.value;
  }
  if (key !== undefined) {
    const pair = childNode(source.doc, node, key);
    if (pair !== undefined && isNode(pair.key)) node = pair.key;
  }
  const offset = isNode(node) ? node.range?.[0] : undefined;
  return offset === undefined ? undefined : source.lines.linePos(offset);
}

function childNode(doc: Document.Parsed, node: unknown, seg: PropertyKey): { key: unknown; value: unknown } | undefined {
  if (isAlias(node)) node = node.resolve(doc);
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(seg)) return { key: pair.key, value: pair.value ?? pair.key };
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { key: undefined, value: item };
  }
  return undefined;
}

/** The parser's message without its " at line N, column M:" tail, and its code frame. */
function splitMessage(err: YAMLError): { headline: string; frame: string } {
  const nl = err.message.indexOf('\n');
  const first = nl === -1 ? err.message : err.message.slice(0, nl);
  const frame = nl === -1 ? '' : err.message.slice(nl).replace(/^\n+/, '').replace(/\n+$/, '');
  return { headline: first.replace(/ at line \d+, column \d+:?$/, ''), frame };
}

/**
 * Where the mistake is, for the errors the parser reports past it: an unclosed quote is reported at
 * the end of the file, an unclosed `[` or `{` where the next key starts, a line indented too deep
 * on the line above it. Undefined: the parser's own position is right.
 */
function relocate(doc: Document.Parsed, err: YAMLError, all: readonly YAMLError[], text: string): { offset: number; note: string } | undefined {
  const at = err.pos[0];
  if (err.code === 'MISSING_CHAR' && /quote/i.test(err.message)) {
    const node = lastNode(
      doc,
      (n) => isScalar(n) && (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') && n.range != null && n.range[0] <= at && n.range[1] >= at,
    );
    if (node?.range) return { offset: node.range[0], note: 'the quoted string that starts here is never closed' };
  }
  if (err.code === 'BAD_INDENT' && /^Flow (sequence|map)/.test(err.message)) {
    const node = lastNode(doc, (n) => isCollection(n) && n.flow === true && n.range?.[1] === at);
    if (node?.range && lineOf(text, node.range[0]) !== lineOf(text, at)) {
      const open = text[node.range[0]] ?? (isSeq(node) ? '[' : '{');
      return { offset: node.range[0], note: `the ${open} that starts here is never closed` };
    }
  }
  if (err.code === 'BLOCK_AS_IMPLICIT_KEY') {
    const multi = all.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY' && e.pos[0] === at);
    if (multi) {
      const lineStart = text.lastIndexOf('\n', multi.pos[1] - 1) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart))![0].length;
      return { offset: lineStart + indent, note: 'this line is indented deeper than the key above it, so YAML reads it as part of that value' };
    }
  }
  return undefined;
}

function lastNode(doc: Document.Parsed, pred: (n: Node) => boolean): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Node(_key, n) {
      if (pred(n) && (found === undefined || (n.range?.[0] ?? -1) > (found.range?.[0] ?? -1))) found = n;
    },
  });
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A code frame in the parser's style: the line (and the one above when the caret is at its start), then the caret. */
export function codeFrame(text: string, lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  const lineText = (n: number) => text.slice(lines.lineStarts[n - 1], lines.lineStarts[n] ?? text.length).replace(/[\r\n]+$/, '');
  let excerpt = lineText(line);
  let ci = col - 1;
  if (excerpt.length > 80) {
    const start = Math.max(0, Math.min(ci - 39, excerpt.length - 79));
    excerpt = (start > 0 ? '…' : '') + excerpt.slice(start, start + 79) + (start + 79 < excerpt.length ? '…' : '');
    ci -= start > 0 ? start - 1 : 0;
  }
  if (line > 1 && /^[ \t]*$/.test(excerpt.slice(0, ci))) excerpt = `${lineText(line - 1).slice(0, 80)}\n${excerpt}`;
  return `${excerpt}\n${' '.repeat(ci)}^`;
}

function syntaxError(doc: Document.Parsed, errors: readonly YAMLError[], text: string, lines: LineCounter, file: string): ConfigFileError {
  const err = errors[0]!;
  const { headline, frame } = splitMessage(err);
  const moved = relocate(doc, err, errors, text);
  if (moved) {
    const { line, col } = lines.linePos(moved.offset);
    return new ConfigFileError(file, '', `${headline}: ${moved.note}\n\n${codeFrame(text, lines, moved.offset)}`, { line, col });
  }
  const pos = err.linePos?.[0];
  return new ConfigFileError(file, '', frame ? `${headline}\n\n${frame}` : headline, pos ? { line: pos.line, col: pos.col } : {});
}
