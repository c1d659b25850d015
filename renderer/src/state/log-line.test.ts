import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n/i18n.ts';
import { readableLogLine } from './log-line.ts';

describe('log lines on the Diagnostics screen', () => {
  const i18n = createI18n('en', 'Europe/Vienna');

  it('reads a JSON line as time, level, where and message, in the store time zone', () => {
    const line = JSON.stringify({ level: 'info', time: '2026-11-28T21:29:56Z', pid: 1, component: 'source.odbc', source: 'erp', msg: 'Read 3 changed rows.' });
    expect(readableLogLine(line, i18n)).toBe('28 Nov 2026, 22:29 · info · source.odbc erp: Read 3 changed rows.');
    expect(readableLogLine(JSON.stringify({ level: 50, time: 0, msg: 'Down.' }), i18n)).toBe('1 Jan 1970, 01:00 · error · Down.');
  });

  it('leaves anything else as it is', () => {
    expect(readableLogLine('plain text from a crash', i18n)).toBe('plain text from a crash');
    expect(readableLogLine('{"no":"msg"}', i18n)).toBe('{"no":"msg"}');
    expect(readableLogLine(JSON.stringify({ msg: 'No time.', time: 'garbage' }), i18n)).toBe('No time.');
  });
});
