// The cli layer: the `ipdest` command line, run by src/cli.ts (and by tests in-process).
export { main } from './main.js';
export type { CliIO } from './main.js';
