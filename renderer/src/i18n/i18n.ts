/**
 * The message catalogue and locale-aware formatting. Every visible string goes through t(); money
 * stays an exact decimal string all the way to Intl (which formats strings without rounding through
 * a double), and dates are shown in the store's time zone.
 */
import { createContext, useContext } from 'react';
import { de } from './messages-de.ts';
import { en, type MessageKey } from './messages-en.ts';

export type Locale = 'en' | 'de';
export const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, de };

export interface I18n {
  locale: Locale;
  /** IANA zone dates are shown in (the store's). */
  timeZone: string;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  number: (value: number) => string;
  /** An exact decimal string as money, e.g. ("1234.50", "EUR") → "€1,234.50". */
  money: (amount: string, currency: string) => string;
  dateTime: (iso: string | null) => string;
  time: (iso: string) => string;
  /** A calendar day ("2026-11-28", a business day: no time zone applies) → "28 Nov 2026". */
  day: (isoDate: string) => string;
  /** "3 minutes ago". */
  ago: (iso: string | null, nowMs?: number) => string;
  duration: (secs: number) => string;
}

export function createI18n(locale: Locale, timeZone: string): I18n {
  const messages = CATALOGUES[locale];
  const tag = locale === 'de' ? 'de-DE' : 'en-GB';
  const numberFormat = new Intl.NumberFormat(tag);
  const dateFormat = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const timeFormat = new Intl.DateTimeFormat(tag, { timeStyle: 'short', timeZone });
  const dayFormat = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' });
  const relative = new Intl.RelativeTimeFormat(tag, { numeric: 'auto' });
  const t = (key: MessageKey, params: Record<string, string | number> = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return {
    locale,
    timeZone,
    t,
    number: (value) => numberFormat.format(value),
    money: (amount, currency) =>
      // Intl.NumberFormat formats a decimal string exactly (ECMA-402 v3); no float in between.
      new Intl.NumberFormat(tag, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 10 }).format(amount as unknown as number),
    dateTime: (iso) => (iso === null ? t('common.never') : dateFormat.format(new Date(iso))),
    time: (iso) => timeFormat.format(new Date(iso)),
    day: (isoDate) => (/^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? dayFormat.format(new Date(`${isoDate}T00:00:00Z`)) : isoDate),
    ago: (iso, nowMs = Date.now()) => {
      if (iso === null) return t('common.never');
      const secs = Math.round((Date.parse(iso) - nowMs) / 1000);
      const abs = Math.abs(secs);
      if (abs < 60) return relative.format(secs, 'second');
      if (abs < 3600) return relative.format(Math.round(secs / 60), 'minute');
      if (abs < 86_400) return relative.format(Math.round(secs / 3600), 'hour');
      return relative.format(Math.round(secs / 86_400), 'day');
    },
    duration: (secs) => {
      const unit = (value: number, u: 'second' | 'minute' | 'hour' | 'day') =>
        new Intl.NumberFormat(tag, { style: 'unit', unit: u, unitDisplay: 'long', maximumFractionDigits: 0 }).format(value);
      if (secs < 60) return unit(secs, 'second');
      if (secs < 3600) return unit(secs / 60, 'minute');
      if (secs < 86_400) return unit(secs / 3600, 'hour');
      return unit(secs / 86_400, 'day');
    },
  };
}

export const I18nContext = createContext<I18n>(createI18n('en', 'UTC'));

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/** The browser's preferred language if we have it, else English. */
export function preferredLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const base = language.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}
