// Aligned text tables for people: widths from the first block of rows, then streamed with those widths.
import { visible } from './terminal.js';

/**
 * Pads each cell to its column's width; the last column is not padded. Cells are shown with
 * control and bidi characters escaped: a cell may quote a hostile log line, and the table goes
 * to an analyst's terminal.
 */
export function formatRow(cells: readonly string[], widths: readonly number[]): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    const c = visible(cells[i]!);
    out += i === cells.length - 1 ? c : c.padEnd(widths[i]!) + '  ';
  }
  return out.trimEnd();
}

/** Column widths of the cells as formatRow shows them (escapes are wider than what they stand for). */
export function widthsOf(rows: ReadonlyArray<readonly string[]>, cap = 48): number[] {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.min(cap, Math.max(widths[i] ?? 0, visible(c).length));
    });
  return widths;
}

/**
 * Buffers the first `block` rows to size the columns, then writes every row as it comes:
 * a million lines stay in flat memory and still line up (a later, wider cell only pushes its row).
 */
export class StreamingTable {
  readonly #header: readonly string[];
  readonly #write: (s: string) => void;
  readonly #block: number;
  #pending: string[][] | null = [];
  #widths: number[] = [];

  constructor(header: readonly string[], write: (s: string) => void, block = 1000) {
    this.#header = header;
    this.#write = write;
    this.#block = block;
  }

  push(cells: string[]): void {
    if (this.#pending === null) {
      this.#write(formatRow(cells, this.#widths) + '\n');
      return;
    }
    this.#pending.push(cells);
    if (this.#pending.length >= this.#block) this.#flush();
  }

  end(): void {
    if (this.#pending !== null) this.#flush();
  }

  #flush(): void {
    const rows = this.#pending ?? [];
    this.#widths = widthsOf([this.#header, ...rows]);
    this.#write(formatRow(this.#header, this.#widths) + '\n');
    for (const r of rows) this.#write(formatRow(r, this.#widths) + '\n');
    this.#pending = null;
  }
}
