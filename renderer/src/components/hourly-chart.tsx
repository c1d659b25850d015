/**
 * 24 hourly bars (CSS, no library) with a labelled scale and hours in the store's time zone. The
 * caption names the numbers that matter (the total or the depth now, and the peak), the chart has
 * a one-sentence text alternative, the current hour is striped (not only coloured), and the numbers
 * per hour are in a table one click away.
 */
import type { HistoryPoint } from '../../../agents/api/index.ts';
import { useI18n } from '../i18n/i18n.ts';
import { hourlySeries } from './hourly-series.ts';
import { MoreDetail } from './ui.tsx';

export type ChartKind = 'delivered' | 'depth';

export function HourlyChart({ kind, points }: { kind: ChartKind; points: HistoryPoint[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const series = hourlySeries(points, kind === 'delivered' ? (p) => p.delivered : (p) => p.depth, kind === 'delivered' ? 'sum' : 'max');
  const title = t(kind === 'delivered' ? 'overview.chartDelivered' : 'overview.chartDepth');
  const thisHour = series.bars.at(-1)?.value ?? 0;
  const headline = kind === 'delivered' ? t('overview.chartTotal', { total: i18n.number(series.total), hour: i18n.number(thisHour) }) : t('overview.chartNow', { now: i18n.number(series.latest) });
  const peak = series.peak && t('overview.chartPeak', { value: i18n.number(series.peak.value), time: i18n.time(series.peak.start) });
  const firstShown = series.bars.findIndex((b) => b.value !== null);
  const from = i18n.time(series.bars[Math.max(0, firstShown)]!.start);
  const summary =
    (kind === 'delivered'
      ? t('overview.chartSummaryDelivered', { from, total: i18n.number(series.total), hour: i18n.number(thisHour) })
      : t('overview.chartSummaryDepth', { from, now: i18n.number(series.latest) })) + (peak ? ` (${peak})` : '');
  const height = (v: number | null) => (v === null ? 0 : (v / series.scaleMax) * 100);
  return (
    <figure className="chart card" data-testid={`chart-${kind}`}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-headline">
          <strong>{headline}</strong>
          {peak && <span className="muted">, {peak}</span>}
        </span>
      </figcaption>
      {firstShown < 0 || points.length < 2 ? (
        <p className="muted">{t('overview.chartNoData')}</p>
      ) : (
        <>
          <div className="chart-body" role="img" aria-label={summary}>
            <div className="chart-y" aria-hidden="true">
              <span>{i18n.number(series.scaleMax)}</span>
              <span>{i18n.number(series.scaleMax / 2)}</span>
              <span>0</span>
            </div>
            <div className="chart-plot" aria-hidden="true">
              {series.bars.map((bar, i) => (
                <span key={bar.start} className={i === series.bars.length - 1 ? 'chart-bar chart-bar-now' : 'chart-bar'} style={{ height: `${height(bar.value)}%` }} />
              ))}
            </div>
            <div className="chart-x" aria-hidden="true">
              {[0, 6, 12, 18].map((i) => (
                <span key={i} style={{ gridColumn: `${i + 1} / span 6` }}>
                  {i18n.time(series.bars[i]!.start)}
                </span>
              ))}
            </div>
          </div>
          <p className="hint">{t('overview.chartNote')}</p>
        </>
      )}
      <MoreDetail summary={t('overview.chartTable')}>
        <table className="fit">
          <thead>
            <tr>
              <th scope="col">{t('overview.hour')}</th>
              <th scope="col">{t(kind === 'delivered' ? 'overview.records' : 'overview.chartHighest')}</th>
            </tr>
          </thead>
          <tbody>
            {series.bars
              .filter((bar) => bar.value !== null)
              .map((bar) => (
                <tr key={bar.start}>
                  <td>{i18n.time(bar.start)}</td>
                  <td>{i18n.number(bar.value!)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </MoreDetail>
    </figure>
  );
}
