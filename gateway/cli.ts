#!/usr/bin/env -S node --no-memory-reducer
import { runCli } from './commands/dispatch.js';
import { commands } from './commands/registry.js';

runCli(commands, process.argv.slice(2)).then((code) => process.exit(code));
