import { useState } from 'react';
import type { SourceSummary } from '../../../agents/api/index.ts';
import { Badge, ConfirmButton, Loading, MoreDetail, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { SOURCE_TONE } from './overview-screen.tsx';
import { SourceForm } from './source-form.tsx';
import { RoleGate } from '../state/role.tsx';

type Editing = { kind: 'odbc' | 'folder'; existing?: SourceSummary } | null;

export function SourcesScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const sources = useResource((a) => a.listSources(), ['sources', 'status']);
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction<unknown>();
  if (editing !== null) {
    return (
      <Page title={t('sources.title')}>
        <SourceForm
          kind={editing.kind}
          {...(editing.existing ? { existing: editing.existing } : {})}
          onDone={(didSave) => {
            setEditing(null);
            setSaved(didSave);
            sources.reload();
          }}
        />
      </Page>
    );
  }
  return (
    <Page
      title={t('sources.title')}
      actions={
        <RoleGate action="saveSource" label={t('firstRun.goSources')}>
          <button type="button" onClick={() => setEditing({ kind: 'odbc' })}>
            {t('sources.addOdbc')}
          </button>{' '}
          <button type="button" onClick={() => setEditing({ kind: 'folder' })}>
            {t('sources.addFolder')}
          </button>
        </RoleGate>
      }
    >
      {saved && <Notice tone="ok">{t('sources.saved')}</Notice>}
      {action.message && action.message.text !== '' && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
      {sources.data === null ? (
        <Loading error={sources.error} />
      ) : sources.data.length === 0 ? (
        <p>{t('overview.noSources')}</p>
      ) : (
        <ul className="cards">
          {sources.data.map((source) => (
            <li key={source.name} className="card" data-testid={`source-${source.name}`}>
              <h2>
                {source.name} <span className="muted">({t(`sources.type.${source.type}`)})</span>
              </h2>
              <p>
                <Badge tone={SOURCE_TONE[source.state]}>{t(`state.${source.state}`)}</Badge>{' '}
                <span className="muted">{t('sources.lastSuccess', { when: i18n.ago(source.lastSuccessAt) })}</span>
              </p>
              <p className="muted">{t('sources.records', { count: i18n.number(source.recordsCaptured) })}</p>
              {source.schedule?.nextReadAt && <p className="muted" data-testid="next-read">{t('sources.nextRead', { when: i18n.dateTime(source.schedule.nextReadAt) })}</p>}
              {source.schedule && !source.schedule.readsAllowed && (
                <p className="muted" data-testid="held-back">
                  {source.schedule.windowChangeAt
                    ? t('sources.heldBackUntil', { when: i18n.dateTime(source.schedule.windowChangeAt) })
                    : t('sources.heldBack')}
                </p>
              )}
              {source.lastError && source.state === 'error' && <p className="error-text">{source.lastError.message}</p>}
              {source.password && (
                <p className="muted">{source.password.present ? t('sources.password', { when: i18n.ago(source.password.setAt) }) : t('sources.passwordMissing')}</p>
              )}
              <SourceDetail config={source.config} />
              <p className="actions">
                <RoleGate action="saveSource" label={t('common.edit')}>
                  <button type="button" onClick={() => source.type !== 'rabbitmq' && setEditing({ kind: source.type, existing: source })} disabled={source.type === 'rabbitmq'} aria-label={`${t('common.edit')} ${source.name}`}>
                    {t('common.edit')}
                  </button>
                </RoleGate>{' '}
                <RoleGate action="pauseSource" label={`${source.paused ? t('sources.resume') : t('sources.pause')}, ${t('sources.syncNow')}`}>
                {source.paused ? (
                  <button type="button" onClick={() => void action.run(() => api.resumeSource(source.name), () => '')}>
                    {t('sources.resume')}
                  </button>
                ) : (
                  <button type="button" onClick={() => void action.run(() => api.pauseSource(source.name), () => '')}>
                    {t('sources.pause')}
                  </button>
                )}{' '}
                <button type="button" onClick={() => void action.run(() => api.syncNow(source.name), () => t('overview.synced'))}>
                  {t('sources.syncNow')}
                </button>
                </RoleGate>{' '}
                <RoleGate action="resyncSource" label={`${t('sources.resync')}, ${t('common.remove')}`}>
                  <ConfirmButton label={t('sources.resync')} question={t('sources.resyncConfirm', { name: source.name })} onConfirm={() => void action.run(() => api.resyncSource(source.name), () => '')} />{' '}
                  <ConfirmButton
                    label={t('common.remove')}
                    question={t('sources.removeConfirm', { name: source.name })}
                    onConfirm={() => void action.run(() => api.removeSource(source.name), () => t('sources.removed')).then(() => sources.reload())}
                  />
                </RoleGate>
              </p>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

/** Where a source reads and what, one click away: the folder and its kind, or the connection and its tables. */
function SourceDetail({ config }: { config: Record<string, unknown> }) {
  const { t } = useI18n();
  const where = typeof config.path === 'string' ? config.path : typeof config.connectionString === 'string' ? config.connectionString : null;
  const kind = typeof config.kind === 'string' && ['auto', 'bank', 'zreport'].includes(config.kind) ? t(`form.kind.${config.kind as 'auto' | 'bank' | 'zreport'}`) : null;
  const tables = Array.isArray(config.streams) ? (config.streams as Array<{ table?: unknown }>).map((s) => (typeof s.table === 'string' ? s.table : '')).filter((n) => n !== '') : [];
  const reads = kind ?? (tables.length > 0 ? tables.join(', ') : null);
  if (where === null && reads === null) return null;
  return (
    <MoreDetail>
      <dl className="facts">
        {where !== null && (
          <>
            <dt>{t('sources.detailWhere')}</dt>
            <dd className="mono wrap">{where}</dd>
          </>
        )}
        {reads !== null && (
          <>
            <dt>{t('sources.detailReads')}</dt>
            <dd className="wrap">{reads}</dd>
          </>
        )}
      </dl>
    </MoreDetail>
  );
}
