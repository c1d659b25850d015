/**
 * Write-back (docs/writeback.md "The dashboard"): what the cloud wrote back into the ERP, the
 * conflicts held for a person side by side (before | cloud | here, per field) with a per-field
 * choice, and the confirmation of a change whose outcome the agent cannot know. Every state is
 * explained in words a bookkeeper uses; the decision itself is applied by the agent's write-back,
 * the same path as `tya-agent writeback resolve`.
 */
import { Fragment, useState } from 'react';
import type { ConflictField, FieldChoiceInput, WritebackConflict, WritebackDecision, WritebackEntry, WritebackItemState } from '../../../agents/api/index.ts';
import { Badge, ConfirmButton, Loading, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

type Tone = 'ok' | 'warn' | 'error' | 'busy';
const STATE_TONE: Record<WritebackItemState, Tone> = {
  received: 'busy',
  intent: 'busy',
  applied: 'ok',
  skipped: 'warn',
  failed: 'error',
  'conflict-waiting': 'error',
  'outcome-unknown': 'error',
};
const STATES: WritebackItemState[] = ['received', 'intent', 'applied', 'skipped', 'failed', 'conflict-waiting', 'outcome-unknown'];

type Pick = 'cloud' | 'premises' | 'base' | 'custom';
const PICKS: Pick[] = ['cloud', 'premises', 'base', 'custom'];

export function WritebackScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const items = useResource((a) => a.listWriteback(), ['status']);
  const conflicts = useResource((a) => a.listConflicts(), ['status']);
  const action = useAction<WritebackDecision>();
  if (items.data === null || conflicts.data === null) return <Page title={t('writeback.title')}><Loading error={items.error ?? conflicts.error} /></Page>;
  const after = () => {
    items.reload();
    conflicts.reload();
  };
  return (
    <Page title={t('writeback.title')}>
      <p className="muted">{t('writeback.intro')}</p>
      {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
      <section aria-labelledby="wb-conflicts" data-testid="writeback-conflicts">
        <h2 id="wb-conflicts">{t('writeback.conflicts', { count: i18n.number(conflicts.data.length) })}</h2>
        {conflicts.data.length === 0 ? (
          <p>
            <Badge tone="ok">{t('writeback.noConflicts')}</Badge>
          </p>
        ) : (
          conflicts.data.map((c) => <ConflictPanel key={c.id} conflict={c} action={action} onDone={after} />)
        )}
      </section>
      <ItemList items={items.data} action={action} onDone={after} />
      <StateGlossary />
    </Page>
  );
}

type Action = ReturnType<typeof useAction<WritebackDecision>>;

/** The default per field: a field only one side changed keeps that side's value; one both changed waits for the person. */
function initialPicks(fields: ConflictField[]): Record<string, Pick | null> {
  return Object.fromEntries(fields.map((f) => [f.field, f.conflicted ? null : f.premises !== f.base && f.cloud === f.base ? 'premises' : 'cloud']));
}

function ConflictPanel({ conflict, action, onDone }: { conflict: WritebackConflict; action: Action; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const [picks, setPicks] = useState(() => initialPicks(conflict.fields));
  const [custom, setCustom] = useState<Record<string, string>>(() => Object.fromEntries(conflict.fields.map((f) => [f.field, f.cloud ?? ''])));
  const ready = conflict.fields.every((f) => picks[f.field] !== null);
  const headingId = `wb-c-${conflict.id}`;
  const valueOf = (f: ConflictField): string | null => {
    const pick = picks[f.field];
    if (pick === null || pick === undefined) return null;
    return pick === 'custom' ? (custom[f.field] ?? '') : f[pick];
  };
  const submit = () => {
    const choice: Record<string, FieldChoiceInput> = {};
    for (const f of conflict.fields) {
      const pick = picks[f.field];
      if (pick === null || pick === undefined) return;
      choice[f.field] = pick === 'custom' ? { value: custom[f.field] ?? '' } : pick;
    }
    void action.run(() => api.resolveConflict(conflict.id, choice), (r) => r.message).then(onDone);
  };
  const shown = (v: string | null) => (v === null ? <span className="muted">{t('writeback.empty')}</span> : v);
  return (
    <section aria-labelledby={headingId} className="panel" data-testid="writeback-conflict" data-id={conflict.id}>
      <h3 id={headingId}>{t('writeback.conflictTitle', { key: keyText(conflict.key), target: conflict.target })}</h3>
      <p className="muted">
        {t('writeback.conflictHelp')} <span className="mono">{conflict.id}</span> · {i18n.dateTime(conflict.createdAt)}
        {conflict.decisionPending ? <> · <Badge tone="busy">{t('writeback.decisionPending')}</Badge></> : null}
      </p>
      <table className="side-by-side" data-testid="writeback-fields">
        <thead>
          <tr>
            <th scope="col">{t('writeback.field')}</th>
            <th scope="col">{t('writeback.base')}</th>
            <th scope="col">{t('writeback.cloud')}</th>
            <th scope="col">{t('writeback.premises')}</th>
            <th scope="col">{t('writeback.keep')}</th>
            <th scope="col">{t('writeback.result')}</th>
          </tr>
        </thead>
        <tbody>
          {conflict.fields.map((f) => (
            <tr key={f.field} data-field={f.field} className={f.conflicted ? 'conflicted' : undefined}>
              <th scope="row" className="mono">
                {f.field}
                {f.conflicted ? <><br /><Badge tone="error">{t('writeback.both')}</Badge></> : null}
              </th>
              <td className="mono wrap">{shown(f.base)}</td>
              <td className="mono wrap">{shown(f.cloud)}</td>
              <td className="mono wrap">{shown(f.premises)}</td>
              <td>
                <fieldset className="picks">
                  <legend className="sr-only">{t('writeback.keep')} · {f.field}</legend>
                  {PICKS.map((p) => (
                    <label key={p}>
                      <input
                        type="radio"
                        name={`${conflict.id}/${f.field}`}
                        value={p}
                        checked={picks[f.field] === p}
                        aria-label={t('writeback.pickLabel', { side: t(`writeback.pick.${p}`), field: f.field })}
                        onChange={() => setPicks({ ...picks, [f.field]: p })}
                      />{' '}
                      {t(`writeback.pick.${p}`)}
                    </label>
                  ))}
                  {picks[f.field] === 'custom' && (
                    <input
                      type="text"
                      className="mono"
                      aria-label={t('writeback.customLabel', { field: f.field })}
                      value={custom[f.field] ?? ''}
                      onChange={(e) => setCustom({ ...custom, [f.field]: e.target.value })}
                    />
                  )}
                </fieldset>
              </td>
              <td className="mono wrap" data-testid="writeback-result">{picks[f.field] === null ? '–' : shown(valueOf(f))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="actions">
        <RoleGate action="resolveConflict" label={t('writeback.resolve')}>
          <button type="button" disabled={!ready || action.busy || conflict.decisionPending} onClick={submit}>
            {t('writeback.resolve')}
          </button>
          {!ready && <span className="muted"> {t('writeback.chooseAll')}</span>}
        </RoleGate>
      </p>
    </section>
  );
}

function ItemList({ items, action, onDone }: { items: WritebackEntry[]; action: Action; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const confirm = (id: string, applied: boolean) => void action.run(() => api.confirmWriteback(id, applied), (r) => r.message).then(onDone);
  return (
    <section aria-labelledby="wb-items">
      <h2 id="wb-items">{t('writeback.items', { count: i18n.number(items.length) })}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('writeback.noItems')}</p>
      ) : (
        <table className="fit" data-testid="writeback-items">
          <thead>
            <tr>
              <th scope="col" className="col-when">{t('writeback.received')}</th>
              <th scope="col">{t('writeback.target')}</th>
              <th scope="col">{t('writeback.record')}</th>
              <th scope="col">{t('writeback.whatHappened')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-id={e.id}>
                <td>{i18n.dateTime(e.receivedAt)}</td>
                <td>{e.target}</td>
                <td className="wrap">
                  <span className="mono">{keyText(e.key)}</span>
                  <br />
                  <span className="muted mono">{e.id} · seq {e.seq}</span>
                </td>
                <td className="wrap">
                  <Badge tone={STATE_TONE[e.state]}>{t(`writeback.state.${e.state}`)}</Badge>
                  {e.decisionPending !== null ? <> <Badge tone="busy">{t('writeback.decisionPending')}</Badge></> : null}
                  {e.resolution !== null && <span className="muted mono"> {e.resolution}</span>}
                  {!e.reported && e.status !== null ? <span className="muted"> · {t('writeback.notReported')}</span> : null}
                  {e.message !== null && e.state !== 'outcome-unknown' && <><br /><span className="muted">{e.message}</span></>}
                  {e.state === 'outcome-unknown' && e.decisionPending === null && (
                    <>
                      <br />
                      <span>{t('writeback.unknownHelp')}</span>
                      <span className="actions">
                        <RoleGate action="confirmWriteback" label={t('writeback.confirmApplied')}>
                          <button type="button" disabled={action.busy} onClick={() => confirm(e.id, true)}>
                            {t('writeback.confirmApplied')}
                          </button>{' '}
                          <ConfirmButton
                            label={t('writeback.confirmNotApplied')}
                            question={t('writeback.confirmNotAppliedQuestion', { id: e.id })}
                            onConfirm={() => confirm(e.id, false)}
                            disabled={action.busy}
                          />
                        </RoleGate>
                      </span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StateGlossary() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="wb-glossary">
      <h2 id="wb-glossary">{t('writeback.glossary')}</h2>
      <dl className="facts">
        {STATES.map((s) => (
          <Fragment key={s}>
            <dt>{t(`writeback.state.${s}`)}</dt>
            <dd className="wrap">{t(`writeback.explain.${s}`)}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

/** The navigation's count: conflicts and unknown outcomes waiting for a person, nothing when none. */
export function WritebackCount() {
  const { t } = useI18n();
  const items = useResource((a) => a.listWriteback(), ['status']);
  const waiting = (items.data ?? []).filter((e) => (e.state === 'conflict-waiting' || e.state === 'outcome-unknown') && e.decisionPending === null).length;
  if (waiting === 0) return null;
  return (
    <span className="nav-count" data-testid="writeback-count" aria-label={t('writeback.navCount', { count: waiting })}>
      {waiting}
    </span>
  );
}

function keyText(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
