// The list-parsing thread: file text in, a packed list (or the format error) out.
import { parentPort } from 'node:worker_threads';
import { IpdestError, ListFormatError } from '../errors.js';
import { parseList, type ListFormat } from './formats/index.js';
import { packList } from './packed.js';

export interface ParseRequest {
  readonly id: number;
  readonly format: ListFormat;
  readonly text: string;
  readonly file: string;
  readonly column?: string | number | undefined;
}

export type ParseReply =
  | { readonly id: number; readonly ok: true; readonly packed: ReturnType<typeof packList> }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly file?: string;
        readonly line?: number;
        readonly text?: string;
        readonly format: boolean;
      };
    };

parentPort?.on('message', (req: ParseRequest) => {
  try {
    const packed = packList(parseList(req.format, req.text, req.file, { column: req.column }));
    const reply: ParseReply = { id: req.id, ok: true, packed };
    parentPort!.postMessage(reply, [packed.words.buffer, packed.meta.buffer, packed.setIds.buffer] as ArrayBuffer[]);
  } catch (err) {
    const e = err as Error;
    const reply: ParseReply =
      err instanceof ListFormatError
        ? { id: req.id, ok: false, error: { code: err.code, message: err.message, file: err.file, line: err.line, text: err.text, format: true } }
        : { id: req.id, ok: false, error: { code: err instanceof IpdestError ? err.code : 'INTERNAL', message: e.message, format: false } };
    parentPort!.postMessage(reply);
  }
});
