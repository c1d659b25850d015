/**
 * A JSON log line as a person reads it: "28 Nov 2026, 22:29 · info · delivery: Delivered a batch…".
 * The file keeps the full JSON (the Diagnostics screen shows its path); a line that is not such
 * JSON stays exactly as it is.
 */
import type { I18n } from '../i18n/i18n.ts';

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function readableLogLine(line: string, i18n: Pick<I18n, 'dateTime'>): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof (entry as { msg?: unknown }).msg !== 'string') return line;
  const { msg, time, level, component, source } = entry as { msg: string; time?: unknown; level?: unknown; component?: unknown; source?: unknown };
  const at = typeof time === 'string' || typeof time === 'number' ? new Date(time) : null;
  const when = at !== null && !Number.isNaN(at.getTime()) ? i18n.dateTime(at.toISOString()) : null;
  const levelName = typeof level === 'number' ? (PINO_LEVELS[level] ?? String(level)) : typeof level === 'string' ? level : null;
  const where = [component, source].filter((part): part is string => typeof part === 'string' && part !== '').join(' ');
  return [when, levelName, `${where === '' ? '' : `${where}: `}${msg}`].filter((part) => part !== null).join(' · ');
}
