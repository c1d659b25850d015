/**
 * A small bar chart (SVG, no library) with its numbers in a table one click away, so the chart is
 * readable without sight and without colour.
 */
import type { HistoryPoint } from '../../../agents/api/index.ts';
import { useI18n } from '../i18n/i18n.ts';
import { MoreDetail } from './ui.tsx';

export function BarChart({ title, points, value }: { title: string; points: HistoryPoint[]; value: (p: HistoryPoint) => number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const values = points.map(value);
  const max = Math.max(1, ...values);
  const width = 600;
  const height = 120;
  // Always 24 hours wide (one slot per minute), newest at the right: a fresh agent's few minutes stay small.
  const slots = 24 * 60;
  const bar = width / slots;
  const offset = Math.max(0, slots - points.length);
  const total = values.reduce((a, b) => a + b, 0);
  const latest = values.at(-1) ?? 0;
  return (
    <figure className="chart">
      <figcaption>
        {title}: <strong>{i18n.number(title === t('overview.chartDelivered') ? total : latest)}</strong>
      </figcaption>
      {points.length < 2 ? (
        <p className="muted">{t('overview.chartNoData')}</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="none">
          {values.map((v, i) => (
            <rect key={points[i]!.at} x={(offset + i) * bar} y={height - (v / max) * height} width={Math.max(bar, 1)} height={(v / max) * height} />
          ))}
        </svg>
      )}
      <MoreDetail>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('overview.minute')}</th>
              <th scope="col">{t('overview.records')}</th>
            </tr>
          </thead>
          <tbody>
            {points.slice(-30).map((p) => (
              <tr key={p.at}>
                <td>{i18n.time(p.at)}</td>
                <td>{i18n.number(value(p))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </MoreDetail>
    </figure>
  );
}
