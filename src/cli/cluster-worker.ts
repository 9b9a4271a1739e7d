// A worker's side of `serve --workers N`: answers the primary (reload, its metrics, shutdown) and asks it for the aggregated /metrics and the fan-out of reloads.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { ClusterHooks } from '../http/index.js';
import { Asker, isClusterMessage, type ClusterMessage } from './cluster-messages.js';

/** ms a worker waits for the aggregated metrics before it answers /metrics with its own. */
export const METRICS_WAIT_MS = 5000;

export interface WorkerHandlers {
  /** Reload this worker's lists; resolves with whether every list loaded. */
  reload(reason: string): Promise<boolean>;
  /** This worker's own metrics text. */
  metrics(): Promise<string>;
  /** Close the server (finishing answers in flight) and end. */
  shutdown(): void;
}

/** True in a process the ipdest primary forked (serve --workers N). */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env.IPDEST_CLUSTER_WORKER === '1';
}

export class WorkerLink {
  readonly #log: Logger;
  readonly #asker = new Asker();
  #handlers: WorkerHandlers | null = null;
  readonly #onMessage = (m: unknown) => this.#message(m);
  readonly #onDisconnect = () => {
    this.#asker.closeAll('the primary is gone');
    // The primary ended without telling (killed): this worker stops too, as at SIGTERM.
    this.#log.warn('the primary process is gone: shutting down');
    this.#handlers?.shutdown();
  };

  constructor(log: Logger) {
    this.#log = log;
    process.on('message', this.#onMessage);
    process.on('disconnect', this.#onDisconnect);
  }

  /** What the routes ask of the primary. */
  readonly hooks: ClusterHooks = {
    metrics: async () => {
      try {
        const a = await this.#asker.ask((id) => this.#send({ ipdest: 'ask', id, what: 'metrics' }), METRICS_WAIT_MS);
        if (typeof a.text === 'string') return a.text;
        throw new Error('the answer holds no metrics');
      } catch (err) {
        this.#log.warn({ err }, "the workers' metrics were not collected: /metrics answers this worker's own");
        return this.#handlers ? this.#handlers.metrics() : '';
      }
    },
    reloadOthers: (reason) => {
      this.#send({ ipdest: 'reload-others', reason });
    },
  };

  /** From now on the primary's questions are answered by `h`. */
  serve(h: WorkerHandlers): void {
    this.#handlers = h;
  }

  /** The first load is done. */
  loaded(ms: number): void {
    this.#send({ ipdest: 'loaded', ms });
  }

  /**
   * Stops listening to the primary and lets go of the channel: the process ends (cluster ends a
   * disconnected worker with 0, so another exit code is given to process.exit, once the error is out).
   */
  close(code = 0): void {
    process.off('message', this.#onMessage);
    process.off('disconnect', this.#onDisconnect);
    this.#asker.closeAll('the worker is stopping');
    if (code !== 0) setImmediate(() => process.exit(code));
    else if (process.connected) process.disconnect();
  }

  #send(m: ClusterMessage): boolean {
    if (!process.connected || process.send === undefined) return false;
    return process.send(m);
  }

  #message(m: unknown): void {
    if (!isClusterMessage(m)) return;
    const h = this.#handlers;
    if (m.ipdest === 'answer') this.#asker.answered(m);
    else if (m.ipdest === 'shutdown') {
      // Still loading, not listening yet: nothing in flight to finish.
      if (h === null) process.exit(0);
      else h.shutdown();
    } else if (m.ipdest === 'ask' && h !== null) {
      const { id } = m;
      const work =
        m.what === 'collect' ? h.metrics().then((text) => ({ text })) : m.what === 'reload' ? h.reload(m.reason ?? 'primary').then((ok) => ({ ok })) : null;
      if (work === null) return;
      work.then(
        (r) => this.#send({ ipdest: 'answer', id, ...r }),
        (err: unknown) => {
          this.#log.error({ err, what: m.what }, 'a question from the primary failed (a bug in ipdest)');
          this.#send({ ipdest: 'answer', id });
        },
      );
    }
  }
}
