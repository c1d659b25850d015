/**
 * Settings → Alert channels: where the agent sends its alerts when nobody looks at this screen, and
 * a button that sends a test through each, so a wrong mail password shows now and not on the night
 * a real alert does not arrive.
 */
import { useState } from 'react';
import type { AlertChannel, AlertChannelTest } from '../../../agents/api/notify-config.ts';
import { Badge, Notice } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

const CHANNEL_NAMES = { webhook: 'alertChannels.webhook', email: 'alertChannels.email', syslog: 'alertChannels.syslog', eventLog: 'alertChannels.eventLog' } as const;

/** `channels` is undefined from an agent older than this screen (a service the tray connects to): no card then. */
export function AlertChannelsCard({ channels }: { channels: AlertChannel[] | undefined }) {
  const { t } = useI18n();
  const { api } = useLive();
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<AlertChannelTest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.testAlertChannels();
      if (answer.ok) setResults(answer.value);
      else setError(answer.error.message);
    } finally {
      setBusy(false);
    }
  };
  if (channels === undefined) return null;
  const outcome = (channel: AlertChannel['channel']) => results?.find((r) => r.channel === channel);
  return (
    <section className="card" aria-labelledby="st-alerts">
      <h2 id="st-alerts">{t('alertChannels.title')}</h2>
      {channels.length === 0 ? (
        <Notice tone="info">{t('alertChannels.none')}</Notice>
      ) : (
        <>
          <p className="muted">{t('alertChannels.intro')}</p>
          <ul className="rows">
            {channels.map((c) => {
              const tested = outcome(c.channel);
              return (
                <li key={c.channel}>
                  <strong>{t(CHANNEL_NAMES[c.channel])}</strong> <span className="wrap">{c.target}</span>{' '}
                  <span className="muted">· {t(c.minSeverity === 'critical' ? 'alertChannels.criticalOnly' : 'alertChannels.all')}</span>
                  {tested !== undefined && <TestOutcome result={tested} />}
                </li>
              );
            })}
          </ul>
          <RoleGate action="testAlertChannels" label={t('alertChannels.send')}>
            <button type="button" disabled={busy} onClick={() => void send()}>
              {busy ? t('alertChannels.sending') : t('alertChannels.send')}
            </button>
          </RoleGate>
          {results !== null && results.every((r) => r.ok) && <Notice tone="ok">{t('alertChannels.allSent')}</Notice>}
          {error !== null && <Notice tone="error">{error}</Notice>}
        </>
      )}
    </section>
  );
}

function TestOutcome({ result }: { result: AlertChannelTest }) {
  const { t } = useI18n();
  if (!result.ok) {
    return (
      <div className="test-outcome">
        <Badge tone="error">{t('alertChannels.failed')}</Badge> <span className="wrap">{result.error}</span>
      </div>
    );
  }
  return (
    <div className="test-outcome">
      <Badge tone={result.unconfirmed ? 'warn' : 'ok'}>{t(result.unconfirmed ? 'alertChannels.sentUnconfirmed' : 'alertChannels.accepted', { ms: String(result.ms) })}</Badge>
    </div>
  );
}
