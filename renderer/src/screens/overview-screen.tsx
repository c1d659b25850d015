import type { SourceState } from '../../../agents/api/index.ts';
import { HourlyChart } from '../components/hourly-chart.tsx';
import { Badge, Loading, MoreDetail, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { healthSentence, type Tone } from '../state/health.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

export const SOURCE_TONE: Record<SourceState, Tone> = { starting: 'busy', ok: 'ok', error: 'error', paused: 'idle', stopped: 'idle' };

export function OverviewScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, status, error } = useLive();
  const history = useResource((a) => a.getHistory(), ['status']);
  const sync = useAction<null>();
  const ack = useAction<{ acknowledged: boolean }>();
  if (status === null) return <Loading error={error} />;
  const health = healthSentence(status, i18n);
  const { queue, cloud } = status;
  return (
    <Page
      title={t('overview.title')}
      actions={
        <RoleGate action="syncNow" label={t('overview.syncNow')}>
          <button type="button" disabled={sync.busy} onClick={() => void sync.run(() => api.syncNow(), () => t('overview.synced'))}>
            {t('overview.syncNow')}
          </button>
        </RoleGate>
      }
    >
      <p className={`health health-${health.tone}`} data-testid="health">
        <Badge tone={health.tone}>{health.text}</Badge>
      </p>
      {sync.message && <Notice tone={sync.message.tone}>{sync.message.text}</Notice>}
      <div className="grid">
        <section aria-labelledby="ov-queue" className="card">
          <h2 id="ov-queue">{t('overview.queue')}</h2>
          <dl className="facts">
            <dt>{t('overview.queueDepth')}</dt>
            <dd data-testid="queue-depth">{i18n.number(queue.depth)}</dd>
            <dt>{t('overview.oldest')}</dt>
            <dd>{queue.oldestAgeSecs === null ? '–' : i18n.duration(queue.oldestAgeSecs)}</dd>
            <dt>{t('overview.deadLetters')}</dt>
            <dd>{i18n.number(queue.deadLetters)}</dd>
            <dt>{t('overview.delivered')}</dt>
            <dd>{i18n.number(queue.delivered)}</dd>
          </dl>
        </section>
        <section aria-labelledby="ov-cloud" className="card">
          <h2 id="ov-cloud">{t('overview.cloud')}</h2>
          <p data-testid="cloud">
            {cloud.reachable === true && (
              <Badge tone="ok">{t('overview.cloudOk', { when: i18n.ago(cloud.lastContactAt) })}</Badge>
            )}
            {cloud.reachable === false && (
              <Badge tone="error">{t('overview.cloudDown', { when: i18n.dateTime(cloud.lastError?.at ?? null), message: cloud.lastError?.message ?? '' })}</Badge>
            )}
            {cloud.reachable === null && <Badge tone="idle">{t('overview.cloudUnknown')}</Badge>}
          </p>
          {status.enrollment.cloudUrl && (
            <MoreDetail>
              <p className="mono">{status.enrollment.cloudUrl}</p>
              <p className="mono">{status.enrollment.agentId}</p>
            </MoreDetail>
          )}
        </section>
      </div>
      <section aria-labelledby="ov-sources">
        <h2 id="ov-sources">{t('overview.sources')}</h2>
        {status.sources.length === 0 ? (
          <p>
            {t('overview.noSources')} <a href="#/sources">{t('overview.addFirst')}</a>
          </p>
        ) : (
          <ul className="rows">
            {status.sources.map((source) => (
              <li key={source.name}>
                <strong>{source.name}</strong> <Badge tone={SOURCE_TONE[source.state]}>{t(`state.${source.state}`)}</Badge>{' '}
                <span className="muted">
                  {t('overview.lastSuccess')}: {i18n.ago(source.lastSuccessAt)}
                </span>
                {source.lastError && source.state === 'error' && <p className="error-text">{source.lastError.message}</p>}
                {source.notices && source.notices.length > 0 && <p className="muted">{source.notices[0]!.message}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="ov-alerts">
        <h2 id="ov-alerts">{t('overview.alerts')}</h2>
        {ack.message?.tone === 'error' && <Notice tone="error">{ack.message.text}</Notice>}
        {status.alerts.length === 0 ? (
          <p className="muted">{t('overview.noAlerts')}</p>
        ) : (
          <ul className="rows">
            {status.alerts.map((alert) => (
              <li key={alert.code}>
                <Badge tone={alert.severity === 'critical' ? 'error' : 'warn'}>{alert.message}</Badge>{' '}
                <span className="muted">{i18n.ago(alert.since)}</span>{' '}
                {/* A condition lasts as long as its cause: the agent refuses to acknowledge it away. */}
                {alert.kind === 'condition' ? (
                  <span className="muted">· {t('overview.clearsItself')}</span>
                ) : (
                  <RoleGate action="acknowledgeAlert" label={t('overview.acknowledge')}>
                    <button type="button" onClick={() => void ack.run(() => api.acknowledgeAlert(alert.code), () => '')}>
                      {t('overview.acknowledge')}
                    </button>
                  </RoleGate>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div className="grid">
        {history.data ? (
          <>
            <HourlyChart kind="delivered" points={history.data} />
            <HourlyChart kind="depth" points={history.data} />
          </>
        ) : (
          <Loading error={history.error} />
        )}
      </div>
    </Page>
  );
}
