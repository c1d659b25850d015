import { describe, expect, it } from 'vitest';
import { createI18n, preferredLocale } from './i18n.ts';
import { de } from './messages-de.ts';
import { en } from './messages-en.ts';

describe('the message catalogue', () => {
  it('German has every English key, nothing more, and no untranslated empty strings', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(en)) {
      if (value !== '') expect(de[key as keyof typeof de], key).not.toBe('');
    }
  });

  it('keeps the placeholders of each English message in German', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of Object.entries(en)) expect(placeholders(de[key as keyof typeof de]), key).toEqual(placeholders(value));
  });
});

describe('formatting', () => {
  it('formats money exactly from decimal strings, per locale', () => {
    expect(createI18n('en', 'UTC').money('12345678901234567.89', 'EUR')).toBe('€12,345,678,901,234,567.89');
    expect(createI18n('de', 'UTC').money('1234.5', 'EUR')).toBe('1.234,50\u00a0€');
    expect(createI18n('de', 'UTC').money('-0.05', 'EUR')).toBe('-0,05\u00a0€');
  });

  it("shows times in the store's time zone", () => {
    expect(createI18n('en', 'Europe/Vienna').time('2026-03-01T21:41:00Z')).toBe('22:41');
    expect(createI18n('de', 'America/New_York').dateTime('2026-03-01T21:41:00Z')).toBe('01.03.2026, 16:41');
  });

  it('shows a business day as a calendar day in the locale, whatever the zone', () => {
    expect(createI18n('en', 'America/New_York').day('2026-11-28')).toBe('28 Nov 2026');
    expect(createI18n('de', 'Pacific/Auckland').day('2026-11-28')).toBe('28.11.2026');
    expect(createI18n('de', 'UTC').day('not a day')).toBe('not a day');
  });

  it('fills placeholders and picks the language', () => {
    expect(createI18n('de', 'UTC').t('health.sending', { count: 3 })).toBe('3 Änderungen werden gesendet.');
    expect(preferredLocale(['fr-FR', 'de-AT'])).toBe('de');
    expect(preferredLocale(['fr'])).toBe('en');
  });
});
