/**
 * Completeness per business day and stream (issue 11): records and money read, waiting and
 * delivered side by side, and a verdict per day in plain words, so a bookkeeper sees at a glance
 * that yesterday is complete. Money stays an exact decimal string until Intl formats it.
 */
import type { CompletenessFigure, CompletenessRow } from '../../../agents/api/index.ts';
import { Badge, Loading, Page } from '../components/ui.tsx';
import { useI18n, type I18n } from '../i18n/i18n.ts';
import { useResource } from '../state/live.tsx';

const DAYS = 14;

export function CompletenessScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const rows = useResource((a) => a.getCompleteness(DAYS), ['queue', 'status']);
  return (
    <Page title={t('completeness.title')}>
      <p>{t('completeness.intro')}</p>
      {rows.data === null ? (
        <Loading error={rows.error} />
      ) : rows.data.length === 0 ? (
        <p className="muted">{t('completeness.none', { days: DAYS })}</p>
      ) : (
        byDay(rows.data).map(([day, streams]) => <DayTable key={day} day={day} streams={streams} i18n={i18n} />)
      )}
    </Page>
  );
}

function DayTable({ day, streams, i18n }: { day: string; streams: CompletenessRow[]; i18n: I18n }) {
  const { t } = i18n;
  const waiting = streams.reduce((n, s) => n + s.waiting.records, 0);
  const refused = streams.reduce((n, s) => n + s.refused.records, 0);
  const headingId = `day-${day}`;
  return (
    <section aria-labelledby={headingId} data-testid="completeness-day" data-day={day}>
      <h2 id={headingId}>
        {dayLabel(day, i18n)}{' '}
        <span data-testid="completeness-verdict">
          {waiting === 0 && refused === 0 ? (
            <Badge tone="ok">{t('completeness.complete')}</Badge>
          ) : (
            <>
              {waiting > 0 && <Badge tone="busy">{t(waiting === 1 ? 'completeness.waitingOne' : 'completeness.waitingMany', { count: i18n.number(waiting) })}</Badge>}{' '}
              {refused > 0 && <Badge tone="error">{t(refused === 1 ? 'completeness.refusedOne' : 'completeness.refusedMany', { count: i18n.number(refused) })}</Badge>}
            </>
          )}
        </span>
      </h2>
      <table className="fit">
        <thead>
          <tr>
            <th scope="col">{t('common.stream')}</th>
            <th scope="col">{t('completeness.read')}</th>
            <th scope="col">{t('completeness.queued')}</th>
            <th scope="col">{t('completeness.delivered')}</th>
          </tr>
        </thead>
        <tbody>
          {streams.map((s) => (
            <tr key={`${s.source}/${s.stream}/${s.currency}`}>
              <td className="wrap">
                {s.source} / {s.stream}
                {s.currency !== '' && <span className="muted"> · {s.currency}</span>}
              </td>
              <Figure figure={s.read} currency={s.currency} i18n={i18n} />
              <Figure figure={s.waiting} currency={s.currency} i18n={i18n} />
              <Figure figure={s.delivered} currency={s.currency} i18n={i18n} />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Figure({ figure, currency, i18n }: { figure: CompletenessFigure; currency: string; i18n: I18n }) {
  return (
    <td>
      {i18n.t(figure.records === 1 ? 'completeness.recordsOne' : 'completeness.recordsMany', { count: i18n.number(figure.records) })}
      {figure.amount !== null && (
        <>
          <br />
          <span className="muted" data-testid="completeness-money">
            {money(figure.amount, currency, i18n)}
          </span>
        </>
      )}
    </td>
  );
}

function money(amount: string, currency: string, i18n: I18n): string {
  if (currency !== '') return i18n.money(amount, currency);
  // No currency named: the exact decimal, grouped for the locale (Intl formats the string without a float).
  const tag = i18n.locale === 'de' ? 'de-DE' : 'en-GB';
  return new Intl.NumberFormat(tag, { minimumFractionDigits: 2, maximumFractionDigits: 10 }).format(amount as unknown as number);
}

/** "Yesterday, 28 Nov 2026": today and yesterday in the store's zone. */
function dayLabel(day: string, i18n: I18n): string {
  const tag = i18n.locale === 'de' ? 'de-DE' : 'en-GB';
  const dated = new Intl.DateTimeFormat(tag, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: i18n.timeZone }).format(Date.now());
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  if (day === today) return `${i18n.t('completeness.today')}, ${dated}`;
  if (day === yesterday) return `${i18n.t('completeness.yesterday')}, ${dated}`;
  return dated;
}

function byDay(rows: readonly CompletenessRow[]): Array<[string, CompletenessRow[]]> {
  const days = new Map<string, CompletenessRow[]>();
  for (const row of rows) days.set(row.day, [...(days.get(row.day) ?? []), row]);
  return [...days.entries()];
}
