#!/usr/bin/env node
// The ipdest executable: runs the command line and exits with its code.
import { main } from './cli/index.js';

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (a pipe may still hold the last chunk).
process.exitCode = code;
