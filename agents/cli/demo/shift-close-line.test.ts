import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PosActivity } from './pos-database.ts';
import { shiftCloseLine } from './shift-close-line.ts';

describe('the demo says when a shift was short or over', () => {
  it('names the difference exactly, short or over, and says balanced otherwise', () => {
    expect(shiftCloseLine({ register: 2, zNumber: 409, expectedCash: '315.60', countedCash: '312.40' })).toBe(
      'Till 2: shift closed, Z-00409, 3.20 SHORT (counted 312.40, expected 315.60) (goes in the urgent lane)',
    );
    expect(shiftCloseLine({ register: 1, zNumber: 12, expectedCash: '100.00', countedCash: '100.05' })).toMatch(/Z-00012, 0\.05 OVER \(counted 100\.05/);
    expect(shiftCloseLine({ register: 1, zNumber: 13, expectedCash: '100.00', countedCash: '100.00' })).toBe(
      'Till 1: shift closed, Z-00013, cash balanced at 100.00 (goes in the urgent lane)',
    );
    expect(shiftCloseLine({ register: 1, zNumber: 14 })).toBe('Till 1: shift closed, Z-00014 (goes in the urgent lane)');
  });

  it('the till reports expected and counted cash with every close, and some shifts come out short or over', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-till-'));
    const pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: 7, startAt: '2026-11-01 08:00:00' });
    try {
      const lines: string[] = [];
      for (let i = 0; i < 40; i++) {
        pos.addReceipts(2);
        const register = pos.registerIds()[i % pos.registerIds().length]!;
        const closed = pos.closeShift(register);
        if (closed) lines.push(shiftCloseLine({ register, ...closed }));
        pos.openShift(register);
      }
      expect(lines.length).toBeGreaterThan(10);
      expect(lines.some((l) => / (SHORT|OVER) \(counted /.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('cash balanced at'))).toBe(true);
    } finally {
      pos.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
