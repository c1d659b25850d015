/** Where a command writes: injected so tests can capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** True when stderr is a terminal: progress bars only then. */
  interactive: boolean;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stderr.isTTY),
};
