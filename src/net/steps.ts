// Step generators: long builds written once, run to completion or with pauses for other work between steps.

/** Runs a step generator to its end at once. */
export function runSteps<R>(steps: Generator<void, R>): R {
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}

/** Runs a step generator, letting the event loop serve other work (requests) between steps. */
export async function runStepsAsync<R>(steps: Generator<void, R>): Promise<R> {
  let r = steps.next();
  while (!r.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    r = steps.next();
  }
  return r.value;
}
