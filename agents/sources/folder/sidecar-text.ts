/** The plain-words explanations written beside a quarantined or duplicate file. */
import type { CheckResult } from '../../formats/index.ts';

export interface Rejection {
  /** One sentence: why the file was not imported. */
  reason: string;
  /** From FormatError: where in the file, and what was expected there. */
  line?: number;
  offset?: number;
  field?: string;
  expected?: string;
  hint?: string;
  checks?: readonly CheckResult[];
}

export function quarantineText(input: {
  name: string;
  bytes: number;
  sha256: string;
  source: string;
  watched: string;
  at: string;
  rejection: Rejection;
}): string {
  const r = input.rejection;
  const lines = [`${input.name} was not imported and was moved here.`, '', `Why: ${r.reason}`];
  const where = [
    r.line === undefined ? undefined : `line ${r.line}`,
    r.offset === undefined || r.line !== undefined ? undefined : `byte ${r.offset}`,
    r.field === undefined ? undefined : `field ${r.field}`,
  ].filter((w): w is string => w !== undefined);
  if (where.length > 0) lines.push(`Where: ${where.join(', ')}`);
  if (r.expected !== undefined) lines.push(`Expected: ${r.expected}`);
  if (r.checks !== undefined && r.checks.length > 0) {
    lines.push('', 'Checks:');
    for (const check of r.checks)
      lines.push(
        `  ${check.status === 'failed' ? 'FAILED' : check.status === 'passed' ? 'passed' : 'skipped'}  ${check.name}: ${check.message}`,
      );
  }
  lines.push(
    '',
    `What to do: ${r.hint ?? 'Ask whoever produced the file for a corrected one.'} Then put the corrected file into ${input.watched}; nothing of this file was sent.`,
  );
  lines.push(
    '',
    `File: ${input.name}, ${input.bytes} bytes, sha256 ${input.sha256 || '(not read)'}`,
    `Source: ${input.source}, ${input.at}`,
  );
  return lines.join('\n');
}

export function duplicateText(input: {
  name: string;
  sha256: string;
  firstName: string;
  importedAt: string;
  source: string;
}): string {
  return [
    `${input.name} has exactly the same content as ${input.firstName}, which was imported on ${humanTime(input.importedAt)}.`,
    'It was not sent again.',
    '',
    `sha256 ${input.sha256}`,
    `Source: ${input.source}`,
  ].join('\n');
}

/** `2026-11-28 10:14 UTC`. */
export function humanTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
