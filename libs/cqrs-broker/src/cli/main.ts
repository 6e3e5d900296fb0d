#!/usr/bin/env node
// The `cqrs-broker` admin command (the package's `bin`): `cqrs-broker --help`.
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2));
// Broker clients may keep timers alive after closing: the command is done.
process.exit(code);
