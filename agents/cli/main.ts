#!/usr/bin/env node
// tya-agent: the command-line entry point (the package's bin, the service's ExecStart).
import nodeModule from 'node:module';
import { ExitCode } from './exit-codes.ts';
import { nodeVersionProblem } from './node-version.ts';

// Before anything else loads: under an older Node the native modules and newer APIs fail with a
// raw stack trace that says nothing about the cause. Only the program is imported after this.
const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem !== null) {
  process.stderr.write(`${problem}\n`);
  process.exit(ExitCode.nodeTooOld);
}

// V8's compiled code for the ~600 modules a start loads is kept on disk between starts, keyed by
// each file's content and the Node version (a changed file or an update is simply compiled again):
// compiling took 100–123 ms of an empty agent's start here, 26–27 ms with the cache, and its control
// API answered after 0.81–0.95 s instead of 0.95–1.17 s. The directory is NODE_COMPILE_CACHE (the
// systemd unit points it into the data dir: its private /tmp is emptied at every restart), else the
// system's temporary directory. A cache that cannot be written changes nothing. Node writes it at
// exit, which a kill -9 or a power cut skips: written once the start's modules are loaded as well.
// After the version check: Node 20 has neither function, and a named import of them would fail first.
nodeModule.enableCompileCache();
setTimeout(() => nodeModule.flushCompileCache(), 5_000).unref();

// `tya-agent status | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The agent that keeps running sizes its heap and its allocator for footprint (lean-heap.ts);
// one-off commands need not. The allocator's settings take a restart of the same process (same
// pid, so systemd and the tray app see nothing), done before anything else has started.
if (process.argv[2] === 'run') {
  const { leanMallocEnv, useLeanHeap } = await import('./lean-heap.ts');
  const env = leanMallocEnv(process.env, process.platform);
  if (env !== null && typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  }
  useLeanHeap();
}

const { runCli } = await import('./program.ts');
await runCli(process.argv);
