// The (source, destination) pairs of the audit's timed external connections, counted under integer ids: what RITA's beacon, strobe and long-connection analyses read of each pair.
import { grow, IdTable, layOutByBucket } from './id-table.js';

/**
 * RITA v5 (`analysis/analysis.go`): a pair of this many connections or more is a strobe (one a
 * second for a day) and is not scored as a beacon; its seconds are then not needed, so none are kept.
 */
export const STROBE_CONNECTIONS = 86400;

/** One pair as the report reads it. */
export interface PairSeries {
  readonly source: string;
  readonly destination: string;
  /** Every timed connection of the pair. */
  readonly connections: number;
  /** Connections by port, for the connections that named one, in first-seen order. */
  readonly ports: Map<number, number>;
  /** Sum of the connections' durations in seconds (Zeek `duration`); undefined when none gave one. */
  readonly duration: number | undefined;
  /**
   * The distinct epoch seconds of the connections (RITA keeps whole seconds), in first-seen order,
   * and the connections in each: the beacon scores need no more (a zero interval is dropped, a bin
   * counts connections). Empty for a strobe.
   */
  readonly ts: Float64Array;
  readonly counts: Int32Array;
  /** RITA's data size (the originator's IP bytes) of each connection that gave one, in arrival order; empty for a strobe. */
  readonly sizes: Float64Array;
}

/**
 * Every pair of a part in flat arrays, in first-seen order, named by the part's own ids (its
 * source texts and destinations): a worker hands them over as copies of memory, not as objects.
 */
export interface PackedPairs {
  /** Pair i is (source text, destination) = (names[2i], names[2i + 1]). */
  readonly names: Int32Array;
  readonly connections: Int32Array;
  /** Each pair's summed durations, in microseconds. */
  readonly durations: Float64Array;
  /** How many of each pair's connections gave a duration. */
  readonly timed: Int32Array;
  /** Pair i's seconds are [secondAt[i], secondAt[i + 1]) of `seconds` and `secondCounts`. */
  readonly secondAt: Int32Array;
  readonly seconds: Float64Array;
  readonly secondCounts: Int32Array;
  /** Pair i's ports are [portAt[i], portAt[i + 1]) of `ports` and `portCounts`. */
  readonly portAt: Int32Array;
  readonly ports: Int32Array;
  readonly portCounts: Int32Array;
  /** Pair i's sizes are [sizeAt[i], sizeAt[i + 1]) of `sizes`. */
  readonly sizeAt: Int32Array;
  readonly sizes: Float64Array;
}

const TWO_32 = 4294967296;

/**
 * The pairs, their counts and durations; each (pair, second) and (pair, port) under an id of its
 * own with its connections, and a log of sizes. A pair remembers its last second, so the
 * connections of a burst cost no table lookup; the caller keeps the ids of pairs and ports it
 * has asked for (the aggregation, by tuple).
 */
export class PairTable {
  readonly #ids = new IdTable();
  #connections = new Int32Array(1024);
  #durations = new Float64Array(1024);
  #timed = new Int32Array(1024);
  /** (pair, second's high and low 32 bits) → id; each id's connections. */
  readonly #seconds = new IdTable();
  #secondCounts = new Int32Array(1024);
  /** Each pair's last second and its id + 1 (0: none yet). */
  #lastSecond = new Float64Array(1024);
  #lastSecondId = new Int32Array(1024);
  /** (pair, port) → id; each id's connections. */
  readonly #ports = new IdTable();
  #portCounts = new Int32Array(1024);
  /** The sizes, in arrival order, with their pairs. */
  #sizePairs = new Int32Array(256);
  #sizes = new Float64Array(256);
  #sizeCount = 0;

  /** The id of (source text, destination), new if unseen. */
  pair(source: number, destination: number): number {
    const pair = this.#ids.id(source, destination, 0, 0, 0);
    if (pair === this.#connections.length) {
      const n = pair + 1;
      this.#connections = grow(this.#connections, n);
      this.#durations = grow(this.#durations, n);
      this.#timed = grow(this.#timed, n);
      this.#lastSecond = grow(this.#lastSecond, n);
      this.#lastSecondId = grow(this.#lastSecondId, n);
    }
    return pair;
  }

  /** The id of (pair, port), new if unseen. */
  port(pair: number, port: number): number {
    const id = this.#ports.id(pair, port, 0, 0, 0);
    if (id === this.#portCounts.length) this.#portCounts = grow(this.#portCounts, id + 1);
    return id;
  }

  /** One connection: its (pair, port) id (-1: no port), epoch second, and size and duration where the record gave them. */
  add(pair: number, port: number, second: number, size: number | undefined, duration: number | undefined): void {
    const n = ++this.#connections[pair]!;
    if (duration !== undefined) {
      // In whole microseconds (Zeek's precision): sums that do not depend on the order they are added in, so parts merge exactly.
      this.#durations[pair]! += Math.round(duration * 1e6);
      this.#timed[pair]!++;
    }
    if (port >= 0) this.#portCounts[port]!++;
    if (n >= STROBE_CONNECTIONS) return;
    this.#countSecond(pair, second, 1);
    if (size !== undefined) this.#pushSize(pair, size);
  }

  #countSecond(pair: number, second: number, n: number): void {
    const last = this.#lastSecondId[pair]! - 1;
    if (last >= 0 && this.#lastSecond[pair] === second) {
      this.#secondCounts[last]! += n;
      return;
    }
    const id = this.#seconds.id(pair, Math.floor(second / TWO_32) | 0, second | 0, 0, 0);
    if (id >= this.#secondCounts.length) this.#secondCounts = grow(this.#secondCounts, id + 1);
    this.#secondCounts[id]! += n;
    this.#lastSecond[pair] = second;
    this.#lastSecondId[pair] = id + 1;
  }

  #pushSize(pair: number, size: number): void {
    const z = this.#sizeCount++;
    if (z === this.#sizes.length) {
      this.#sizes = grow(this.#sizes, z + 1);
      this.#sizePairs = grow(this.#sizePairs, z + 1);
    }
    this.#sizes[z] = size;
    this.#sizePairs[z] = pair;
  }

  /** Every pair in flat arrays grouped by pair (each group in first-seen, or arrival, order); a strobe's seconds and sizes left out. */
  pack(): PackedPairs {
    const pairs = this.#ids.size;
    const names = new Int32Array(pairs * 2);
    for (let p = 0; p < pairs; p++) {
      names[p * 2] = this.#ids.field(p, 0);
      names[p * 2 + 1] = this.#ids.field(p, 1);
    }
    // A strobe's seconds and sizes are left out (bucket -1).
    const kept = (p: number): number => (this.#connections[p]! >= STROBE_CONNECTIONS ? -1 : p);
    const sec = this.#seconds;
    const seconds = new Float64Array(sec.size);
    const secondCounts = new Int32Array(sec.size);
    const secondAt = layOutByBucket(
      pairs,
      sec.size,
      (i) => kept(sec.field(i, 0)),
      (i, k) => {
        // The low field is the second's low 32 bits as a signed number: >>> 0 makes it unsigned again.
        seconds[k] = sec.field(i, 1) * TWO_32 + (sec.field(i, 2) >>> 0);
        secondCounts[k] = this.#secondCounts[i]!;
      },
    );
    const pt = this.#ports;
    const ports = new Int32Array(pt.size);
    const portCounts = new Int32Array(pt.size);
    const portAt = layOutByBucket(
      pairs,
      pt.size,
      (i) => pt.field(i, 0),
      (i, k) => {
        ports[k] = pt.field(i, 1);
        portCounts[k] = this.#portCounts[i]!;
      },
    );
    const sizes = new Float64Array(this.#sizeCount);
    const sizeAt = layOutByBucket(
      pairs,
      this.#sizeCount,
      (z) => kept(this.#sizePairs[z]!),
      (z, k) => (sizes[k] = this.#sizes[z]!),
    );
    return {
      names,
      connections: this.#connections.slice(0, pairs),
      durations: this.#durations.slice(0, pairs),
      timed: this.#timed.slice(0, pairs),
      secondAt,
      // Views of what was placed (a strobe's share is not).
      seconds: seconds.subarray(0, secondAt[pairs]!),
      secondCounts: secondCounts.subarray(0, secondAt[pairs]!),
      portAt,
      ports,
      portCounts,
      sizeAt,
      sizes: sizes.subarray(0, sizeAt[pairs]!),
    };
  }

  /**
   * Adds pairs counted after everything here, their names mapped to this table's ids: what adding
   * their connections here, in order, would have given (a pair that becomes a strobe keeps no seconds).
   */
  merge(p: PackedPairs, sourceOf: (part: number) => number, destinationOf: (part: number) => number): void {
    const n = p.connections.length;
    for (let i = 0; i < n; i++) {
      const pair = this.pair(sourceOf(p.names[i * 2]!), destinationOf(p.names[i * 2 + 1]!));
      const total = (this.#connections[pair]! += p.connections[i]!);
      this.#durations[pair]! += p.durations[i]!;
      this.#timed[pair]! += p.timed[i]!;
      for (let k = p.portAt[i]!; k < p.portAt[i + 1]!; k++) this.#portCounts[this.port(pair, p.ports[k]!)]! += p.portCounts[k]!;
      if (total >= STROBE_CONNECTIONS) continue;
      for (let k = p.secondAt[i]!; k < p.secondAt[i + 1]!; k++) this.#countSecond(pair, p.seconds[k]!, p.secondCounts[k]!);
      for (let k = p.sizeAt[i]!; k < p.sizeAt[i + 1]!; k++) this.#pushSize(pair, p.sizes[k]!);
    }
  }

  /**
   * Every pair as the report reads it, in first-seen order, one at a time (a hundred thousand pairs
   * need not be objects at once); `names` turns (source text, destination) ids into texts.
   */
  *series(names: (source: number, destination: number) => readonly [string, string]): IterableIterator<PairSeries> {
    const p = this.pack();
    for (let i = 0; i < p.connections.length; i++) {
      const [source, destination] = names(p.names[i * 2]!, p.names[i * 2 + 1]!);
      const ports = new Map<number, number>();
      for (let k = p.portAt[i]!; k < p.portAt[i + 1]!; k++) ports.set(p.ports[k]!, p.portCounts[k]!);
      yield {
        source,
        destination,
        connections: p.connections[i]!,
        ports,
        duration: p.timed[i]! > 0 ? p.durations[i]! / 1e6 : undefined,
        ts: p.seconds.subarray(p.secondAt[i]!, p.secondAt[i + 1]!),
        counts: p.secondCounts.subarray(p.secondAt[i]!, p.secondAt[i + 1]!),
        sizes: p.sizes.subarray(p.sizeAt[i]!, p.sizeAt[i + 1]!),
      };
    }
  }
}
