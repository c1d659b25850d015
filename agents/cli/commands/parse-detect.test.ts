/**
 * The `parse` command, in process, on every layout of the bank CSV corpus: it proposes exactly the
 * profile the layout names, with the layout's open questions settled by the command-line options,
 * and reads the layout's entries; without those options it parses nothing and exits 3.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BANK_LAYOUTS, layoutBytes } from '../../../test/helpers/csv-bank-layouts.ts';
import { CsvProfileSchema } from '../../formats/index.ts';
import type { CliIo } from '../cli-io.ts';
import { parseCommand, type ParseCommandOptions } from './parse.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-parse-detect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', interactive: false, out: (line: string) => (io.stdout += `${line}\n`), err: (line: string) => (io.stderr += `${line}\n`) };
  return io;
}

interface Output {
  accepted: boolean;
  detection?: { profile: unknown; ambiguities: Array<{ field: string }> };
  statements?: Array<{ entries: Array<{ bookingDate: string; amount: string }> }>;
}

describe('tya-agent parse proposes the profile of every corpus layout', () => {
  for (const layout of BANK_LAYOUTS) {
    it(`${layout.name} (${layout.country}, ${layout.language})`, async () => {
      const file = path.join(dir, `${layout.name}.csv`);
      writeFileSync(file, layoutBytes(layout));
      const base: ParseCommandOptions = { kind: 'auto', timeZone: 'UTC', json: true };
      const options: ParseCommandOptions = { ...base };
      if (layout.hints?.dateFormat !== undefined) options.dateFormat = layout.hints.dateFormat;
      if (layout.hints?.decimalSeparator !== undefined) options.decimalSeparator = layout.hints.decimalSeparator;
      if (layout.hints?.currency !== undefined) options.currency = layout.hints.currency;
      const saved = path.join(dir, `${layout.name}.json`);
      const io = capture();
      expect(await parseCommand(file, { ...options, saveProfile: saved }, io), io.stderr).toBe(0);
      const out = JSON.parse(io.stdout) as Output;
      expect(out.detection?.profile).toEqual(CsvProfileSchema.parse(layout.profile));
      expect(out.statements?.flatMap((s) => s.entries.map((e) => [e.bookingDate, e.amount]))).toEqual(layout.entries);
      expect(CsvProfileSchema.parse(JSON.parse(readFileSync(saved, 'utf8')))).toEqual(CsvProfileSchema.parse(layout.profile));

      if (layout.openQuestions !== undefined) {
        const open = capture();
        expect(await parseCommand(file, base, open)).toBe(3);
        const report = JSON.parse(open.stdout) as Output;
        expect(report.accepted).toBe(false);
        expect(report.statements).toBeUndefined();
        expect(report.detection?.ambiguities.map((a) => a.field).sort()).toEqual([...layout.openQuestions].sort());
        for (const field of layout.openQuestions) expect(open.stderr).toContain(`${layout.name}.csv was not parsed: ${field} is not settled`);
      }
    });
  }
});
