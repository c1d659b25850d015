/** Settings, Diagnostics and the first-run path. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DiagnosticsView, SecretAge, SettingsView } from '../../../agents/api/index.ts';
import { Badge, Loading, MoreDetail, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { readableLogLine } from '../state/log-line.ts';
import { RoleGate } from '../state/role.tsx';
import { AlertChannelsCard } from './alert-channels-card.tsx';

/** The log levels offered, in plain words; a level set in the file by hand (trace, fatal) is kept and shown as it is. */
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** A credential's name in words: "Password of erp" rather than its keychain reference (which stays one click away). */
function credentialLabel(secret: Pick<SecretAge, 'ref' | 'usedBy'>, t: ReturnType<typeof useI18n>['t']): string {
  const uses = (secret.usedBy ?? []).map((use) =>
    use.kind === 'source' ? t('settings.sourcePassword', { name: use.name }) : t(use.kind === 'alertEmail' ? 'settings.alertEmailPassword' : 'settings.alertWebhookUrl'),
  );
  if (uses.length > 0) return uses.join(', ');
  // An agent that does not say what the credential is for: the dashboard's own naming of source passwords.
  const source = /^sources\/(.+)\/password$/.exec(secret.ref);
  return source ? t('settings.sourcePassword', { name: source[1]! }) : secret.ref;
}

export function SettingsScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const settings = useResource((a) => a.getSettings(), ['settings']);
  // Kept here: the form below is re-created when the settings change, which would drop its notice.
  const [generalSaved, setGeneralSaved] = useState<string | null>(null);
  if (settings.data === null) return <Page title={t('settings.title')}><Loading error={settings.error} /></Page>;
  return (
    <Page title={t('settings.title')}>
      <EnrollCard settings={settings.data} onDone={settings.reload} />
      <GeneralSettings
        settings={settings.data}
        saved={generalSaved}
        onDone={(text) => {
          setGeneralSaved(text);
          settings.reload();
        }}
      />
      <AlertChannelsCard channels={settings.data.alertChannels} />
      <section className="card" aria-labelledby="st-creds">
        <h2 id="st-creds">{t('settings.credentials')}</h2>
        {settings.data.secrets.length === 0 ? (
          <p className="muted">{t('common.none')}</p>
        ) : (
          <ul className="rows">
            {settings.data.secrets.map((s) => (
              <li key={s.ref}>
                {!s.present ? t('settings.credentialMissing', { ref: credentialLabel(s, t) }) : s.setAt === null ? t('settings.credentialUnknownAge', { ref: credentialLabel(s, t) }) : t('settings.credentialSet', { ref: credentialLabel(s, t), when: i18n.ago(s.setAt) })}
                <ReplaceSecret secret={s} onDone={settings.reload} api={api} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <MoreDetail>
        <p className="mono wrap">{t('settings.configFile', { file: settings.data.configFile })}</p>
        <p className="muted">{t('settings.versions', { count: settings.data.history.length })}</p>
      </MoreDetail>
    </Page>
  );
}

function ReplaceSecret({ secret, onDone, api }: { secret: SecretAge; onDone: () => void; api: ReturnType<typeof useLive>['api'] }) {
  const refName = secret.ref;
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const action = useAction<null>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api.setSecret(refName, value), () => t('settings.saved'))) {
      setValue('');
      onDone();
    }
  };
  return (
    <MoreDetail summary={t('settings.replaceCredential')}>
      <form onSubmit={(e) => void submit(e)}>
        <p className="hint mono wrap">{refName}</p>
        <label>
          {t('settings.newValue', { ref: credentialLabel(secret, t) })}
          <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" required />
        </label>{' '}
        <RoleGate action="setSecret">
          <button type="submit" disabled={action.busy}>
            {t('common.save')}
          </button>
        </RoleGate>
        {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
      </form>
    </MoreDetail>
  );
}

function GeneralSettings({ settings, saved, onDone }: { settings: SettingsView; saved: string | null; onDone: (saved: string) => void }) {
  const { t } = useI18n();
  const { api } = useLive();
  const [agentName, setAgentName] = useState(settings.agentName);
  const [url, setUrl] = useState(settings.cloud.url);
  const [entity, setEntity] = useState(settings.cloud.entity);
  const [logLevel, setLogLevel] = useState(settings.logLevel);
  // New settings from the agent (after this save, or an enrollment) refill the fields without
  // remounting the form: a remount would wipe "Saved and applied." the moment it appears.
  const [shown, setShown] = useState(settings);
  if (shown !== settings) {
    setShown(settings);
    setAgentName(settings.agentName);
    setUrl(settings.cloud.url);
    setEntity(settings.cloud.entity);
    setLogLevel(settings.logLevel);
  }
  const action = useAction<SettingsView>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const change = { agentName, cloud: { url, entity }, logLevel: logLevel as 'info' };
    if (await action.run(() => api.updateSettings(change), () => t('settings.saved'))) onDone(t('settings.saved'));
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="st-general">
      <h2 id="st-general">{t('settings.general')}</h2>
      <div className="fields">
        <label>
          {t('settings.agentName')}
          <input name="agentName" value={agentName} onChange={(e) => setAgentName(e.target.value)} required />
        </label>
        <label className="wide">
          {t('settings.cloudUrl')}
          <input name="cloudUrl" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
        </label>
        <label>
          {t('settings.entity')}
          <input name="entity" value={entity} onChange={(e) => setEntity(e.target.value)} required />
        </label>
        <label>
          {t('settings.logLevel')}
          <select name="logLevel" value={logLevel} onChange={(e) => setLogLevel(e.target.value)}>
            {(LOG_LEVELS.includes(logLevel as LogLevel) ? LOG_LEVELS : [...LOG_LEVELS, logLevel]).map((level) => (
              <option key={level} value={level}>
                {LOG_LEVELS.includes(level as LogLevel) ? t(`settings.logLevel.${level as LogLevel}`) : level}
              </option>
            ))}
          </select>
        </label>
      </div>
      {action.message ? <Notice tone={action.message.tone}>{action.message.text}</Notice> : saved !== null && <Notice tone="ok">{saved}</Notice>}
      <RoleGate action="updateSettings">
        <button type="submit" className="primary" disabled={action.busy}>
          {t('common.save')}
        </button>
      </RoleGate>
    </form>
  );
}

export function EnrollCard({ settings, onDone }: { settings: SettingsView; onDone: () => void }) {
  const { t } = useI18n();
  const { api, refreshStatus } = useLive();
  const [url, setUrl] = useState(settings.enrollment.cloudUrl ?? settings.cloud.url);
  const [key, setKey] = useState('');
  const action = useAction<SettingsView>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api.enroll(url, key), (s) => t('settings.enrolled', { agentId: s.enrollment.agentId ?? '' }))) {
      setKey('');
      onDone();
      refreshStatus();
    }
  };
  return (
    <section className="card" aria-labelledby="st-enroll">
      <h2 id="st-enroll">{t('settings.enrollment')}</h2>
      <p data-testid="enrollment">
        {settings.enrollment.enrolled ? <Badge tone="ok">{t('settings.enrolled', { agentId: settings.enrollment.agentId ?? '' })}</Badge> : <Badge tone="idle">{t('settings.notEnrolled')}</Badge>}
      </p>
      {!settings.enrollment.enrolled && (
        <form onSubmit={(e) => void submit(e)} className="form">
          <div className="fields">
            <label className="wide">
              {t('settings.cloudUrl')}
              <input name="enrollUrl" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
            </label>
            <label>
              {t('settings.enrollKey')}
              <input name="enrollKey" type="password" value={key} onChange={(e) => setKey(e.target.value)} required autoComplete="off" />
            </label>
          </div>
          <RoleGate action="enroll">
            <button type="submit" className="primary" disabled={action.busy}>
              {action.busy ? t('settings.enrolling') : t('settings.enroll')}
            </button>
          </RoleGate>
        </form>
      )}
      {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
    </section>
  );
}

export function DiagnosticsScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const diagnostics = useResource<DiagnosticsView>((a) => a.getDiagnostics(), []);
  return (
    <Page
      title={t('diagnostics.title')}
      actions={
        <button
          type="button"
          onClick={() => diagnostics.reload()}
        >
          {t('diagnostics.run')}
        </button>
      }
    >
      {diagnostics.data === null ? (
        <Loading error={diagnostics.error} />
      ) : (
        <>
          <section aria-labelledby="dg-checks">
            <h2 id="dg-checks">{t('diagnostics.checks')}</h2>
            <ul className="rows" data-testid="checks">
              {diagnostics.data.checks.map((check, i) => (
                <li key={i}>
                  <Badge tone={check.status === 'ok' ? 'ok' : check.status === 'warn' ? 'warn' : 'error'}>{t(`diagnostics.status.${check.status}`)}</Badge> {check.name}
                  {check.message !== '' && <p className="muted pre">{check.message}</p>}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="dg-log">
            <h2 id="dg-log">{t('diagnostics.log')}</h2>
            <p className="mono wrap">{t('diagnostics.logFile', { file: diagnostics.data.logFile })}</p>
            <LogTail lines={diagnostics.data.logTail.map((line) => readableLogLine(line, i18n))} label={t('diagnostics.log')} />
          </section>
        </>
      )}
    </Page>
  );
}

/** The log's last lines in their order, scrolled to the newest: the box is shorter than the tail. */
function LogTail({ lines, label }: { lines: string[]; label: string }) {
  const box = useRef<HTMLPreElement>(null);
  const text = lines.join('\n');
  // On new text only: a re-render with the same lines leaves where the reader scrolled to.
  useEffect(() => {
    if (box.current !== null) box.current.scrollTop = box.current.scrollHeight;
  }, [text]);
  return (
    <pre className="log" tabIndex={0} aria-label={label} ref={box} data-testid="log-tail">
      {text}
    </pre>
  );
}

export function FirstRunScreen() {
  const i18n = useI18n();
  const { t } = i18n;
  const { status } = useLive();
  const settings = useResource((a) => a.getSettings(), ['settings']);
  const enrolled = status?.enrollment.enrolled ?? false;
  const hasSource = (status?.sources.length ?? 0) > 0;
  const delivered = status?.queue.delivered ?? 0;
  return (
    <Page title={t('firstRun.title')}>
      <ol className="steps">
        <li>
          <h2>
            {t('firstRun.step1')} {enrolled && <Badge tone="ok">{t('firstRun.done')}</Badge>}
          </h2>
          {enrolled ? (
            <p>{t('settings.enrolled', { agentId: status?.enrollment.agentId ?? '' })}</p>
          ) : settings.data ? (
            <EnrollCard settings={settings.data} onDone={settings.reload} />
          ) : (
            <Loading error={settings.error} />
          )}
        </li>
        <li>
          <h2>
            {t('firstRun.step2')} {hasSource && <Badge tone="ok">{t('firstRun.done')}</Badge>}
          </h2>
          {!hasSource && <a href="#/sources">{t('firstRun.goSources')}</a>}
        </li>
        <li>
          <h2>{t('firstRun.step3')}</h2>
          <p data-testid="first-record">
            {delivered > 0 ? <Badge tone="ok">{t('firstRun.arrived', { count: i18n.number(delivered) })}</Badge> : <Badge tone="busy">{t('firstRun.waiting')}</Badge>}
          </p>
        </li>
      </ol>
    </Page>
  );
}
