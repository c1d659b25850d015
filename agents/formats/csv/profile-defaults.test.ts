import { describe, expect, it } from 'vitest';
import { BUILTIN_CSV_PROFILES } from './builtin-profiles.ts';
import { CsvProfileSchema } from './profile.ts';
import { withProfileDefaults } from './profile-defaults.ts';

describe('withProfileDefaults', () => {
  it('gives each built-in profile exactly what the schema gives it', () => {
    expect(BUILTIN_CSV_PROFILES.length).toBeGreaterThan(5);
    for (const profile of BUILTIN_CSV_PROFILES) expect(profile).toEqual(CsvProfileSchema.parse(profile));
  });

  it('fills every default the schema has', () => {
    const bare = { name: 'x', dateFormat: 'YYYY-MM-DD', columns: { bookingDate: 0, amount: 1 } };
    expect(withProfileDefaults(bare)).toEqual(CsvProfileSchema.parse(bare));
  });
});
