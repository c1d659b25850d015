/**
 * Quarantine (docs/quarantine.md "The dashboard"): records stopped by their mapping or validation,
 * why, and what a person does about them: correct the data, replay (it goes through the current
 * mapping and rules again), or discard. Statuses are explained in plain words, superseded above all:
 * a newer change of the same record exists, so this older one is never sent over it.
 */
import { Fragment, useState } from 'react';
import type { QuarantineEntry, QuarantineStreamSummary, ReplayResult } from '../../../agents/api/index.ts';
import { Badge, ConfirmButton, Loading, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n, type I18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate, useAllows } from '../state/role.tsx';

type Tone = 'ok' | 'warn' | 'error' | 'busy';
const STATUS_TONE: Record<QuarantineEntry['status'], Tone> = { quarantined: 'error', held: 'warn', superseded: 'busy', replayed: 'ok', discarded: 'busy' };

export function QuarantineScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const summary = useResource((a) => a.getQuarantineSummary(), ['queue', 'alerts', 'status']);
  const list = useResource((a) => a.listQuarantine({ status: 'waiting' }), ['queue', 'status']);
  const [selected, setSelected] = useState<number[]>([]);
  const [openId, setOpenId] = useState<number | null>(null);
  const action = useAction<ReplayResult | number>();
  if (summary.data === null || list.data === null) return <Page title={t('quarantine.title')}><Loading error={summary.error ?? list.error} /></Page>;
  const entries = list.data;
  const open = entries.find((e) => e.id === openId) ?? null;
  const after = () => {
    setSelected([]);
    list.reload();
    summary.reload();
  };
  const ids = selected.length > 0 ? selected : ('all' as const);
  const replay = (which: number[] | 'all') =>
    void action.run(() => api.replayQuarantine(which), (r) => replaySentence(r as ReplayResult, i18n)).then(after);
  const discard = (which: number[] | 'all') => void action.run(() => api.discardQuarantine(which), (n) => t('quarantine.discarded', { count: n as number })).then(after);
  return (
    <Page title={t('quarantine.title')}>
      <p className="muted">{t('quarantine.intro')}</p>
      <StreamSummary streams={summary.data} onResumed={summary.reload} />
      {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
      <section aria-labelledby="qu-records">
        <h2 id="qu-records">{t('quarantine.records', { count: i18n.number(entries.length) })}</h2>
        {entries.length === 0 ? (
          <p>
            <Badge tone="ok">{t('quarantine.empty')}</Badge>
          </p>
        ) : (
          <>
            <p className="actions">
              <RoleGate action="replayQuarantine" label={t('quarantine.replayAll')}>
                <button type="button" disabled={action.busy} onClick={() => replay(ids)}>
                  {selected.length > 0 ? `${t('quarantine.replay')} (${selected.length})` : t('quarantine.replayAll')}
                </button>{' '}
                <ConfirmButton
                  label={selected.length > 0 ? `${t('quarantine.discard')} (${selected.length})` : t('quarantine.discardAll')}
                  question={t('quarantine.discardConfirm', { count: selected.length > 0 ? selected.length : entries.length })}
                  onConfirm={() => discard(ids)}
                  disabled={action.busy}
                />
              </RoleGate>
            </p>
            <div>
              <table className="fit" data-testid="quarantine-records">
                <thead>
                  <tr>
                    <th scope="col" className="col-check">
                      <span className="sr-only">{t('quarantine.select')}</span>
                    </th>
                    <th scope="col" className="col-record">{t('quarantine.key')}</th>
                    <th scope="col">{t('quarantine.reason')}</th>
                    <th scope="col" className="col-button">
                      <span className="sr-only">{t('common.details')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => {
                    const first = e.reasons[0];
                    return (
                      <tr key={e.id} data-id={e.id} aria-selected={e.id === openId}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={t('quarantine.selectOne', { id: e.id })}
                            checked={selected.includes(e.id)}
                            onChange={(ev) => setSelected(ev.target.checked ? [...selected, e.id] : selected.filter((x) => x !== e.id))}
                          />
                        </td>
                        <td>
                          <Badge tone={STATUS_TONE[e.status]}>{t(`quarantine.status.${e.status}`)}</Badge>
                          <br />
                          <span className="mono">{keyText(e.key)}</span>
                          <br />
                          <span className="muted">
                            {e.source} / {e.stream}
                          </span>
                        </td>
                        <td className="wrap">
                          {first === undefined ? '–' : (
                            <>
                              <span className="mono">{first.code}</span>
                              {first.path === '' ? '' : <> · <span className="mono">{first.path}</span></>}: {first.message}
                              {e.reasons.length > 1 ? <span className="muted"> {t('quarantine.more', { count: e.reasons.length - 1 })}</span> : null}
                            </>
                          )}
                        </td>
                        <td>
                          <button type="button" onClick={() => setOpenId(e.id === openId ? null : e.id)} aria-expanded={e.id === openId}>
                            {t('common.details')}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      {open !== null && <EntryDetail key={open.id} entry={open} onChanged={after} onReplay={() => replay([open.id])} onDiscard={() => discard([open.id])} busy={action.busy} />}
      <StatusGlossary />
    </Page>
  );
}

/** The navigation's count: records waiting for a person (quarantined + held), nothing when none. */
export function QuarantineCount() {
  const { t } = useI18n();
  const summary = useResource((a) => a.getQuarantineSummary(), ['queue', 'alerts', 'status']);
  const waiting = (summary.data ?? []).reduce((n, s) => n + s.quarantined + s.held, 0);
  if (waiting === 0) return null;
  return (
    <span className="nav-count" data-testid="quarantine-count" aria-label={t('quarantine.navCount', { count: waiting })}>
      {waiting}
    </span>
  );
}

function StreamSummary({ streams, onResumed }: { streams: QuarantineStreamSummary[]; onResumed: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const resume = useAction<null>();
  if (streams.length === 0) return null;
  return (
    <section aria-labelledby="qu-streams">
      <h2 id="qu-streams">{t('quarantine.perStream')}</h2>
      {resume.message && <Notice tone={resume.message.tone}>{resume.message.text}</Notice>}
      {streams
        .filter((s) => s.spikePaused)
        .map((s) => (
          <div key={`spike/${s.source}/${s.stream}`} data-testid="quarantine-spike">
            <Notice tone="error">{t('quarantine.spikeBanner', { source: s.source, stream: s.stream })}</Notice>
            <p className="actions">
              <RoleGate action="resumeSource" label={t('quarantine.resume', { source: s.source })}>
                <button type="button" disabled={resume.busy} onClick={() => void resume.run(() => api.resumeSource(s.source), () => t('quarantine.resumed', { source: s.source })).then(onResumed)}>
                  {t('quarantine.resume', { source: s.source })}
                </button>
              </RoleGate>
            </p>
          </div>
        ))}
      <table data-testid="quarantine-streams">
        <thead>
          <tr>
            <th scope="col">{t('common.source')}</th>
            <th scope="col">{t('common.stream')}</th>
            <th scope="col">{t('quarantine.status.quarantined')}</th>
            <th scope="col">{t('quarantine.status.held')}</th>
          </tr>
        </thead>
        <tbody>
          {streams.map((s) => (
            <tr key={`${s.source}/${s.stream}`}>
              <td>{s.source}</td>
              <td>
                {s.stream} {s.spikePaused ? <Badge tone="error">{t('quarantine.paused')}</Badge> : null}
              </td>
              <td>{i18n.number(s.quarantined)}</td>
              <td>{i18n.number(s.held)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function EntryDetail({ entry, onChanged, onReplay, onDiscard, busy }: { entry: QuarantineEntry; onChanged: () => void; onReplay: () => void; onDiscard: () => void; busy: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const allows = useAllows();
  const [text, setText] = useState(() => JSON.stringify(entry.data ?? {}, null, 2));
  const save = useAction<QuarantineEntry>();
  const [parseError, setParseError] = useState<string | null>(null);
  const editable = entry.op === 'upsert' && (entry.status === 'quarantined' || entry.status === 'held');
  const onSave = () => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      setParseError(t('quarantine.notJson', { message: (error as Error).message }));
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      setParseError(t('quarantine.notObject'));
      return;
    }
    setParseError(null);
    void save.run(() => api.editQuarantine(entry.id, data as Record<string, unknown>), () => t('quarantine.saved')).then((r) => r !== null && onChanged());
  };
  return (
    <section aria-labelledby="qu-detail" className="panel" data-testid="quarantine-detail">
      <h2 id="qu-detail">{t('quarantine.detailTitle', { key: keyText(entry.key), source: entry.source, stream: entry.stream })}</h2>
      <p>
        <Badge tone={STATUS_TONE[entry.status]}>{t(`quarantine.status.${entry.status}`)}</Badge> {t(`quarantine.explain.${entry.status}`)}
      </p>
      <dl className="facts inline">
        <div>
          <dt>{t('quarantine.key')}</dt>
          <dd className="mono wrap">{keyText(entry.key)}</dd>
        </div>
        <div>
          <dt>{t('quarantine.stage')}</dt>
          <dd>{t(`quarantine.stage.${entry.stage}`)}</dd>
        </div>
        <div>
          <dt>{t('quarantine.captured')}</dt>
          <dd>
            {i18n.dateTime(entry.capturedAt)} <span className="muted">(seq {entry.seq})</span>
          </dd>
        </div>
      </dl>
      <h3>{t('quarantine.reasons')}</h3>
      <table className="fit" data-testid="quarantine-reasons">
        <thead>
          <tr>
            <th scope="col">{t('quarantine.severity')}</th>
            <th scope="col">{t('quarantine.code')}</th>
            <th scope="col">{t('quarantine.field')}</th>
            <th scope="col">{t('quarantine.value')}</th>
            <th scope="col">{t('quarantine.message')}</th>
          </tr>
        </thead>
        <tbody>
          {entry.reasons.map((r, i) => (
            <tr key={i}>
              <td>
                <Badge tone={r.severity === 'reject' ? 'error' : r.severity === 'hold' ? 'warn' : 'busy'}>{t(`quarantine.severity.${r.severity}`)}</Badge>
              </td>
              <td className="mono">{r.code}</td>
              <td className="mono wrap">{r.path === '' ? t('quarantine.wholeRecord') : r.path}</td>
              <td className="mono wrap">{r.value === undefined ? '–' : JSON.stringify(r.value)}</td>
              <td className="wrap">{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('quarantine.data')}</h3>
      {editable && allows('editQuarantine') ? (
        <>
          <label htmlFor="qu-data">{t('quarantine.editHint')}</label>
          <textarea id="qu-data" className="mono code" rows={Math.min(20, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
          {parseError !== null && <Notice tone="error">{parseError}</Notice>}
          {save.message && <Notice tone={save.message.tone}>{save.message.text}</Notice>}
          <p className="actions">
            <button type="button" onClick={onSave} disabled={save.busy}>
              {t('quarantine.saveData')}
            </button>
          </p>
        </>
      ) : (
        <pre className="mono code">{entry.data === undefined ? t('quarantine.noData') : JSON.stringify(entry.data, null, 2)}</pre>
      )}
      {entry.originalData !== undefined && (
        <>
          <h3>{t('quarantine.original')}</h3>
          <pre className="mono code" data-testid="quarantine-original">{JSON.stringify(entry.originalData, null, 2)}</pre>
        </>
      )}
      {(entry.status === 'quarantined' || entry.status === 'held' || entry.status === 'superseded') && (
        <p className="actions">
          <RoleGate action="replayQuarantine" label={t('quarantine.replay')}>
            <button type="button" onClick={onReplay} disabled={busy}>
              {t('quarantine.replayOne')}
            </button>{' '}
            <ConfirmButton label={t('quarantine.discard')} question={t('quarantine.discardConfirm', { count: 1 })} onConfirm={onDiscard} disabled={busy} />
          </RoleGate>
        </p>
      )}
    </section>
  );
}

function StatusGlossary() {
  const { t } = useI18n();
  const statuses: QuarantineEntry['status'][] = ['quarantined', 'held', 'superseded', 'replayed', 'discarded'];
  return (
    <section aria-labelledby="qu-glossary">
      <h2 id="qu-glossary">{t('quarantine.glossary')}</h2>
      <dl className="facts">
        {statuses.map((s) => (
          <Fragment key={s}>
            <dt>{t(`quarantine.status.${s}`)}</dt>
            <dd className="wrap">{t(`quarantine.explain.${s}`)}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

function keyText(key: Record<string, string>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function replaySentence(r: ReplayResult, i18n: I18n): string {
  const parts = [i18n.t('quarantine.result.replayed', { count: r.replayed }), i18n.t('quarantine.result.superseded', { count: r.superseded }), i18n.t('quarantine.result.stillFailing', { count: r.stillFailing })];
  if (r.skipped > 0) parts.push(i18n.t('quarantine.result.skipped', { count: r.skipped }));
  return parts.join(', ');
}
