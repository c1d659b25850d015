/**
 * Activity: what happened, in words, newest first; narrowed by kind, source and words in the message.
 * Below it, folded away, the security audit log: who enrolled, rotated, changed or approved what.
 */
import { useEffect, useState } from 'react';
import type { ActivityEntry, AuditList } from '../../../agents/api/index.ts';
import { Loading, Page } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';

const KINDS: ActivityEntry['kind'][] = ['source', 'file', 'queue', 'config', 'cloud', 'alert'];

export function ActivityScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { status } = useLive();
  const [kind, setKind] = useState<ActivityEntry['kind'] | ''>('');
  const [source, setSource] = useState('');
  const [text, setText] = useState('');
  const filter = { ...(kind === '' ? {} : { kind }), ...(source === '' ? {} : { source }), ...(text.trim() === '' ? {} : { text: text.trim() }) };
  const activity = useResource((a) => a.listActivity(filter), ['activity']);
  // The resource reloads on live events; a changed filter asks again at once.
  const filterKey = JSON.stringify(filter);
  useEffect(() => activity.reload(), [filterKey]);
  return (
    <Page title={t('activity.title')}>
      <p className="actions">
        <label className="inline-field">
          {t('activity.filter')}{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as ActivityEntry['kind'] | '')}>
            <option value="">{t('activity.all')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`activity.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label className="inline-field">
          {t('common.source')}{' '}
          <select value={source} onChange={(e) => setSource(e.target.value)} data-testid="activity-source">
            <option value="">{t('activity.allSources')}</option>
            {(status?.sources ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>{' '}
        <label className="inline-field">
          {t('activity.search')}{' '}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} data-testid="activity-text" />
        </label>
      </p>
      <ActivityList entries={activity.data} error={activity.error} />
      <AuditLog />
    </Page>
  );
}

function ActivityList({ entries, error }: { entries: ActivityEntry[] | null; error: string | null }) {
  const i18n = useI18n();
  if (entries === null) return <Loading error={error} />;
  if (entries.length === 0) return <p className="muted">{i18n.t('common.none')}</p>;
  return (
    <ol className="rows" data-testid="activity">
      {entries.map((entry, i) => (
        <li key={`${entry.at}-${i}`}>
          <span className="muted">{i18n.dateTime(entry.at)}</span> <span className="tag">{i18n.t(`activity.kind.${entry.kind}`)}</span>{' '}
          {entry.source !== null && <span className="muted">{entry.source}: </span>}
          {entry.message}
        </li>
      ))}
    </ol>
  );
}

function AuditLog() {
  const i18n = useI18n();
  const { t } = i18n;
  const audit = useResource((a) => a.listAudit(), ['activity']);
  return (
    <details className="audit" data-testid="audit-log">
      <summary>{t('activity.audit.title')}</summary>
      <p className="muted">{t('activity.audit.intro')}</p>
      <AuditEntries list={audit.data} error={audit.error} />
    </details>
  );
}

function AuditEntries({ list, error }: { list: AuditList | null; error: string | null }) {
  const i18n = useI18n();
  if (list === null) return <Loading error={error} />;
  if (list.entries.length === 0) return <p className="muted">{i18n.t('common.none')}</p>;
  return (
    <ol className="rows">
      {list.entries.map((entry) => (
        <li key={entry.seq}>
          <span className="muted">{i18n.dateTime(entry.at)}</span> <span className="tag">{entry.actor}</span>{' '}
          {i18n.t(`activity.audit.event.${entry.event}`)}: {entry.subject}
        </li>
      ))}
    </ol>
  );
}
