import { describe, expect, it } from 'vitest';
import { credentialStatus, rotationDue, ROTATED_AT_KEY } from './credential-rotation.ts';

function state(values: Record<string, string>) {
  return { getState: (key: string) => values[key] ?? null };
}

const at = (iso: string) => Date.parse(iso);

describe('credential age and schedule', () => {
  it('counts from enrollment, then from the last rotation, and names the next one', () => {
    const enrolled = state({ 'enrollment.enrolledAt': '2026-09-01T08:00:00.000Z' });
    expect(credentialStatus(enrolled, at('2026-11-29T07:59:59Z'), 90)).toEqual({
      enrolledAt: '2026-09-01T08:00:00.000Z',
      rotatedAt: null,
      secretsSince: '2026-09-01T08:00:00.000Z',
      ageDays: 88,
      rotateEveryDays: 90,
      nextRotationAt: '2026-11-30T08:00:00.000Z',
    });
    expect(rotationDue(credentialStatus(enrolled, at('2026-11-30T07:59:59Z'), 90), at('2026-11-30T07:59:59Z'))).toBe(
      false,
    );
    expect(rotationDue(credentialStatus(enrolled, at('2026-11-30T08:00:00Z'), 90), at('2026-11-30T08:00:00Z'))).toBe(
      true,
    );

    const rotated = state({
      'enrollment.enrolledAt': '2026-09-01T08:00:00.000Z',
      [ROTATED_AT_KEY]: '2026-11-30T08:10:00.000Z',
    });
    const after = credentialStatus(rotated, at('2026-12-05T00:00:00Z'), 90);
    expect(after).toMatchObject({
      rotatedAt: '2026-11-30T08:10:00.000Z',
      ageDays: 4,
      nextRotationAt: '2027-02-28T08:10:00.000Z',
    });
    expect(rotationDue(after, at('2026-12-05T00:00:00Z'))).toBe(false);
  });

  it('ignores a rotation older than a newer enrollment, and never schedules at 0 days', () => {
    const reenrolled = state({
      'enrollment.enrolledAt': '2026-12-01T00:00:00.000Z',
      [ROTATED_AT_KEY]: '2026-10-01T00:00:00.000Z',
    });
    expect(credentialStatus(reenrolled, at('2026-12-03T00:00:00Z'), 30)).toMatchObject({
      rotatedAt: null,
      secretsSince: '2026-12-01T00:00:00.000Z',
      ageDays: 2,
    });
    const manual = credentialStatus(reenrolled, at('2036-01-01T00:00:00Z'), 0);
    expect(manual?.nextRotationAt).toBeNull();
    expect(rotationDue(manual, at('2036-01-01T00:00:00Z'))).toBe(false);
    expect(credentialStatus(state({}), at('2026-12-03T00:00:00Z'), 90)).toBeNull();
  });
});
