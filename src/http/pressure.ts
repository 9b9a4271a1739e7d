// The overload guard: event-loop delay sampled with perf_hooks; past the limit, requests get 503 OVERLOADED.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface PressureOptions {
  /** Event-loop delay (ms) past which the server is overloaded. */
  readonly maxEventLoopDelay: number;
  /** How often (ms) the delay is sampled. */
  readonly sampleInterval: number;
}

/** The histogram's own timer period (ms); its samples include it, so it is taken off. */
const RESOLUTION = 10;

/**
 * Measures the event loop's delay as @fastify/under-pressure did (the mean of a `monitorEventLoopDelay`
 * histogram over each sample interval, less its resolution), and nothing else: under-pressure also
 * called `process.memoryUsage()` on every sample, which throws EMFILE when the process is out of
 * file descriptors (it reads /proc), and the throw came from a timer, so it ended the process.
 */
export class PressureMonitor {
  readonly maxEventLoopDelay: number;
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  readonly #interval: number;
  #last = performance.now();
  #delay = 0;

  constructor(opts: PressureOptions) {
    this.maxEventLoopDelay = opts.maxEventLoopDelay;
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION });
    this.#histogram.enable();
    this.#interval = Math.max(RESOLUTION, opts.sampleInterval);
    this.#timer = setInterval(() => this.#sample(), this.#interval);
    this.#timer.unref();
  }

  #sample(): void {
    const h = this.#histogram;
    const now = performance.now();
    // No histogram sample in the whole interval (the loop was held before its timer could fire):
    // this timer's own lateness is the delay (under-pressure took it as infinite).
    this.#delay = h.count > 0 ? Math.max(0, h.mean / 1e6 - RESOLUTION) : Math.max(0, now - this.#last - this.#interval);
    this.#last = now;
    h.reset();
  }

  /** The event-loop delay (ms) seen over the last sample interval. */
  get eventLoopDelay(): number {
    return this.#delay;
  }

  get overloaded(): boolean {
    return this.#delay > this.maxEventLoopDelay;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
