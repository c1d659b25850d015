/**
 * The newest `budgetBytes` of the log for the support bundle, across a rotation: right after the
 * log rotated, agent.log holds minutes and agent.log.1 the hours before, which support needs too.
 * Each file's part starts at a whole line, and says how much of it was left out.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';

export function logTailFiles(logFile: string, budgetBytes: number): Array<{ name: string; text: string }> {
  if (!existsSync(logFile)) return [{ name: basename(logFile), text: '(no log file yet)\n' }];
  const files: Array<{ name: string; text: string }> = [];
  let budget = budgetBytes;
  for (const file of [logFile, `${logFile}.1`]) {
    if (budget <= 0 || !existsSync(file)) break;
    const size = statSync(file).size;
    files.push({ name: basename(file), text: tail(file, size, budget) });
    budget -= size;
  }
  return files;
}

function tail(file: string, size: number, budget: number): string {
  const start = Math.max(0, size - budget);
  const text = readTail(file, start, size);
  return start === 0 ? text : `(the log's first ${start} bytes are left out)\n${text}`;
}

/** The newest `maxBytes` of a file, from its first whole line; '' when it cannot be read. */
export function logTailText(file: string, maxBytes: number): string {
  try {
    const size = statSync(file).size;
    return readTail(file, Math.max(0, size - maxBytes), size);
  } catch {
    return '';
  }
}

/** Bytes `start`..`size` as text, starting at a whole line when `start` cut one. */
function readTail(file: string, start: number, size: number): string {
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8');
  return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
}
