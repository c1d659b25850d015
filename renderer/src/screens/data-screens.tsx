/** Queue and Shifts: what waits, and the tills' shift closes. */
import { useState } from 'react';
import { Badge, ConfirmButton, Loading, MoreDetail, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

export function QueueScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const queue = useResource((a) => a.getQueue(), ['queue', 'status']);
  const action = useAction<number>();
  const [selected, setSelected] = useState<number[]>([]);
  if (queue.data === null) return <Page title={t('queue.title')}><Loading error={queue.error} /></Page>;
  const { streams, deadLetters, deadLetterTotal } = queue.data;
  const after = () => {
    setSelected([]);
    queue.reload();
  };
  return (
    <Page title={t('queue.title')}>
      <section aria-labelledby="q-streams">
        <h2 id="q-streams">{t('queue.streams')}</h2>
        {streams.length === 0 ? (
          <p>
            <Badge tone="ok">{t('queue.empty')}</Badge>
          </p>
        ) : (
          <table className="fit" data-testid="queue-streams">
            <thead>
              <tr>
                <th scope="col">{t('common.source')}</th>
                <th scope="col">{t('common.stream')}</th>
                <th scope="col">{t('queue.depth')}</th>
                <th scope="col">{t('queue.oldest')}</th>
              </tr>
            </thead>
            <tbody>
              {streams.map((s) => (
                <tr key={`${s.source}/${s.stream}/${s.lane}`}>
                  <td>{s.source}</td>
                  <td>
                    {s.stream} <span className="muted">({t(`queue.lane.${s.lane}`)})</span>
                  </td>
                  <td>{i18n.number(s.depth)}</td>
                  <td>{s.oldestAgeSecs === null ? '–' : i18n.duration(s.oldestAgeSecs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="q-dead">
        <h2 id="q-dead">{t('queue.deadLetters', { count: i18n.number(deadLetterTotal) })}</h2>
        {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
        {deadLetters.length === 0 ? (
          <p className="muted">{t('queue.noDeadLetters')}</p>
        ) : (
          <>
            <p className="actions">
              <RoleGate action="retryDeadLetters" label={t('queue.retryAll')}>
              <button type="button" onClick={() => void action.run(() => api.retryDeadLetters(selected.length > 0 ? selected : 'all'), (n) => t('queue.retried', { count: n })).then(after)}>
                {selected.length > 0 ? `${t('queue.retry')} (${selected.length})` : t('queue.retryAll')}
              </button>{' '}
              <ConfirmButton
                label={selected.length > 0 ? `${t('queue.discard')} (${selected.length})` : t('queue.discardAll')}
                question={t('queue.discardConfirm', { count: selected.length > 0 ? selected.length : deadLetterTotal })}
                onConfirm={() => void action.run(() => api.discardDeadLetters(selected.length > 0 ? selected : 'all'), (n) => t('queue.discarded', { count: n })).then(after)}
              />
              </RoleGate>
            </p>
            <ul className="rows" data-testid="dead-letters">
              {deadLetters.map((d) => (
                <li key={d.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={selected.includes(d.id)}
                      onChange={(e) => setSelected(e.target.checked ? [...selected, d.id] : selected.filter((x) => x !== d.id))}
                    />{' '}
                    <strong>
                      {d.source} / {d.stream}
                    </strong>
                    : {d.reasonMessage}
                  </label>
                  <MoreDetail>
                    <p className="mono wrap">
                      {t('queue.key')}: {JSON.stringify(d.key)} · {d.reasonCode} · {i18n.dateTime(d.failedAt)}
                    </p>
                  </MoreDetail>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </Page>
  );
}

export function ShiftsScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const shifts = useResource((a) => a.listShifts(), ['files', 'activity']);
  return (
    <Page title={t('shifts.title')}>
      {shifts.data === null ? (
        <Loading error={shifts.error} />
      ) : shifts.data.length === 0 ? (
        <p className="muted">{t('shifts.none')}</p>
      ) : (
        <ul className="rows" data-testid="shifts">
          {shifts.data.map((s) => {
            // Money stays text: the sign and zero are read from the exact decimal, never a float.
            const zero = s.overShort !== null && /^-?0(\.0+)?$/.test(s.overShort);
            const overShort =
              s.overShort === null
                ? t('shifts.notCounted')
                : zero
                  ? t('shifts.balanced')
                  : s.overShort.startsWith('-')
                    ? t('shifts.short', { amount: i18n.money(s.overShort.slice(1), s.currency) })
                    : t('shifts.over', { amount: i18n.money(s.overShort, s.currency) });
            return (
              <li key={`${s.source}/${s.document ?? s.file ?? ''}/${s.register}/${s.zLabel}`}>
                <p>
                  <strong>{s.register === '' ? t('shifts.sentenceNoRegister', { z: s.zLabel, time: i18n.time(s.closedAt) }) : t('shifts.sentence', { z: s.zLabel, register: s.register, time: i18n.time(s.closedAt) })}</strong>{' '}
                  <Badge tone={s.upload === 'uploaded' ? 'ok' : s.upload === 'failed' ? 'error' : 'busy'}>
                    {/* A report file's state is its original's upload; a database's shift is sent as one record. */}
                    {t(`${s.file === null ? 'shifts.sent' : 'files.upload'}.${s.upload === 'none' ? 'pending' : s.upload}`)}
                  </Badge>{' '}
                  {/* The cash badge already says short or over; this names the other checks' failures. */}
                  {s.balanced || !(zero || s.overShort === null) ? null : <Badge tone="warn">{t('shifts.checksFailed')}</Badge>}
                </p>
                <dl className="facts inline">
                  <div>
                    <dt>{t('shifts.day')}</dt>
                    <dd>{i18n.day(s.businessDay)}</dd>
                  </div>
                  <div>
                    <dt>{t('shifts.total')}</dt>
                    <dd>{s.total === null ? '–' : i18n.money(s.total, s.currency)}</dd>
                  </div>
                  <div>
                    <dt>{t('shifts.overShort')}</dt>
                    <dd>
                      <Badge tone={zero ? 'ok' : s.overShort === null ? 'idle' : 'warn'}>{overShort}</Badge>
                    </dd>
                  </div>
                </dl>
                <MoreDetail>
                  <p className="mono wrap">
                    {s.source} · {s.file ?? s.document} · {i18n.dateTime(s.closedAt)}
                  </p>
                </MoreDetail>
              </li>
            );
          })}
        </ul>
      )}
    </Page>
  );
}
