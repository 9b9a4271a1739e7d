// The IPC messages between the primary and the workers of `serve --workers N`, and asking over IPC with a reply.

/** What a message is about; every ipdest message carries `ipdest` (cluster's own messages do not). */
export type ClusterMessage =
  /** Worker → primary: its first load is done, in `ms` since the worker started. */
  | { ipdest: 'loaded'; ms: number }
  /** Worker → primary: reload every other worker (POST /admin/reload on this one). */
  | { ipdest: 'reload-others'; reason: string }
  /** Either way: a question, answered by an `answer` with the same id. */
  | { ipdest: 'ask'; id: number; what: 'metrics' | 'collect' | 'reload'; reason?: string }
  | { ipdest: 'answer'; id: number; text?: string; ok?: boolean }
  /** Primary → worker: close the server (finishing answers in flight) and end. */
  | { ipdest: 'shutdown' };

export function isClusterMessage(m: unknown): m is ClusterMessage {
  return typeof m === 'object' && m !== null && typeof (m as { ipdest?: unknown }).ipdest === 'string';
}

type Answer = Extract<ClusterMessage, { ipdest: 'answer' }>;

/** Questions sent over one IPC channel, each settled by its answer or, past its time limit, rejected. */
export class Asker {
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  /** Sends the question `send` builds with a fresh id; the answer, or an error after `ms`. */
  ask(send: (id: number) => boolean, ms: number): Promise<Answer> {
    const id = this.#next++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no answer within ${ms} ms`));
      }, ms);
      this.#waiting.set(id, { resolve, reject, timer });
      let sent: boolean;
      try {
        sent = send(id);
      } catch {
        sent = false;
      }
      if (!sent) this.#settle(id, null, new Error('the IPC channel is closed'));
    });
  }

  /** An answer came: the question it answers is settled (an unknown or late one is ignored). */
  answered(a: Answer): void {
    this.#settle(a.id, a, null);
  }

  /** The other side went away: every question waiting fails now. */
  closeAll(why: string): void {
    for (const id of [...this.#waiting.keys()]) this.#settle(id, null, new Error(why));
  }

  #settle(id: number, a: Answer | null, err: Error | null): void {
    const w = this.#waiting.get(id);
    if (w === undefined) return;
    this.#waiting.delete(id);
    clearTimeout(w.timer);
    if (a !== null) w.resolve(a);
    else w.reject(err!);
  }
}
