#!/usr/bin/env node
// tya-agent: the command-line entry point (the package's bin, the service's ExecStart).
import { runCli } from './program.ts';

await runCli(process.argv);
