#!/usr/bin/env node
// tya-agent: the command-line entry point (the package's bin, the service's ExecStart).
import { runCli } from './program.ts';

// `tya-agent status | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await runCli(process.argv);
