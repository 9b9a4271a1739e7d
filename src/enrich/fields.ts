// Field paths into events: dotted paths resolved through nested objects and flattened dotted keys alike.

/**
 * A compiled field path. `get` finds `a.b.c` as `{a:{b:{c}}}`, `{"a.b.c"}`, `{"a.b":{c}}` or
 * `{a:{"b.c"}}`: every joined run of segments is built once here, so a lookup does no string work.
 * The plain nested walk is tried first; flattened keys only when it finds nothing.
 */
export class FieldPath {
  readonly path: string;
  readonly #segments: readonly string[];
  /** #joins[i][k] = segments i..i+k joined with '.' (k >= 1), tried as one flattened key. */
  readonly #joins: ReadonlyArray<readonly string[]>;

  constructor(path: string) {
    this.path = path;
    const segs = path.split('.');
    this.#segments = segs;
    this.#joins = segs.map((_, i) => segs.slice(i).map((__, k) => segs.slice(i, i + k + 1).join('.')));
  }

  get(event: unknown): unknown {
    return this.#walk(event, 0);
  }

  #walk(o: unknown, i: number): unknown {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    const rec = o as Record<string, unknown>;
    const n = this.#segments.length;
    const joins = this.#joins[i]!;
    for (let k = 0; k < n - i; k++) {
      const key = joins[k]!;
      if (!Object.hasOwn(rec, key)) continue;
      const next = i + k + 1;
      if (next === n) return rec[key];
      const v = this.#walk(rec[key], next);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** The path of a sibling field: `a.b.DestinationIp` → `a.b.SourceIp`. */
  sibling(name: string): FieldPath {
    return new FieldPath([...this.#segments.slice(0, -1), name].join('.'));
  }

  get last(): string {
    return this.#segments[this.#segments.length - 1]!;
  }
}
