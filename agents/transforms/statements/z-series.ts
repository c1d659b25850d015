/**
 * Z numbers per register across files: a gap raises a warning ("Register till-1: Z-00411 is
 * missing.") that clears when the missing report arrives. The state travels in the shift-report
 * stream's checkpoint, committed with the reports that changed it.
 */
import type { JsonValue } from '../../api/index.ts';
import type { ZReport } from '../../formats/zreport/index.ts';
import { labelsBetween, listInWords, mergeLabels } from './missing-list.ts';
import type { SeriesChange } from './statement-series.ts';

interface RegisterState {
  last: string;
  missing: string[];
}

export class ZSeries {
  private readonly registers: Map<string, RegisterState>;
  private readonly changed = new Set<string>();

  constructor(state: JsonValue | undefined) {
    const registers = typeof state === 'object' && state !== null && !Array.isArray(state) ? state.registers : undefined;
    const entries = typeof registers === 'object' && registers !== null && !Array.isArray(registers) ? Object.entries(registers) : [];
    this.registers = new Map(entries as unknown as Array<[string, RegisterState]>);
  }

  observe(report: Pick<ZReport, 'register' | 'zNumber'>): void {
    const state = this.registers.get(report.register);
    if (state === undefined) {
      this.registers.set(report.register, { last: report.zNumber, missing: [] });
      return;
    }
    const next = BigInt(report.zNumber);
    const before = describe(report.register, state);
    state.missing = state.missing.filter((label) => label !== `Z-${report.zNumber}` && BigInt(label.replace(/^Z-|–.*$/g, '')) !== next);
    const last = BigInt(state.last);
    if (next > last) {
      const width = report.zNumber.length;
      state.missing = mergeLabels(state.missing, labelsBetween(last, next, (n) => `Z-${n.toString().padStart(width, '0')}`));
      state.last = report.zNumber;
    }
    if (describe(report.register, state) !== before) this.changed.add(report.register);
  }

  takeChanges(): SeriesChange[] {
    const changes = [...this.changed].map((id) => {
      const state = this.registers.get(id);
      return { id, message: state === undefined ? null : describe(id, state) };
    });
    this.changed.clear();
    return changes;
  }

  toJSON(): JsonValue {
    return { v: 1, registers: Object.fromEntries(this.registers) } as unknown as JsonValue;
  }
}

function describe(register: string, state: RegisterState): string | null {
  if (state.missing.length === 0) return null;
  return `Register ${register}: ${listInWords(state.missing)} ${state.missing.length === 1 ? 'is' : 'are'} missing (the last report received is Z-${state.last}).`;
}
