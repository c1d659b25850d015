/**
 * Exchange (docs/rabbitmq.md, docs/sftp.md): the message queues the agent reads and the files it
 * fetches from and uploads to banks' SFTP servers, with what happened to each file in plain words.
 */
import { Fragment } from 'react';
import type { ExchangeView, RabbitmqQueueView, SftpFetchState, SinkStatus } from '../../../agents/api/index.ts';
import { Badge, Loading, Page } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useResource } from '../state/live.tsx';

type Tone = 'ok' | 'warn' | 'error' | 'busy';
const FETCH_TONE: Record<SftpFetchState, Tone> = { waiting: 'busy', delivering: 'busy', imported: 'ok', kept: 'error', duplicate: 'warn', moved: 'ok', deleted: 'ok' };
const FETCH_STATES: SftpFetchState[] = ['waiting', 'delivering', 'imported', 'kept', 'duplicate', 'moved', 'deleted'];

export function ExchangeScreen() {
  const { t } = useI18n();
  const view = useResource((a) => a.getExchange(), ['status']);
  if (view.data === null) return <Page title={t('exchange.title')}><Loading error={view.error} /></Page>;
  return (
    <Page title={t('exchange.title')}>
      <p className="muted">{t('exchange.intro')}</p>
      <Queues queues={view.data.rabbitmq} />
      <Sinks />
      <Sftp sftp={view.data.sftp} />
    </Page>
  );
}

const SINK_TONE: Record<SinkStatus['state'], Tone> = { connected: 'ok', connecting: 'busy', waiting: 'error', stopped: 'warn' };

/** Broker sinks: shown only where one is configured (most agents have none). */
function Sinks() {
  const i18n = useI18n();
  const { t } = i18n;
  const sinks = useResource((a) => a.getSinks(), ['status']);
  if (sinks.data === null || sinks.data.length === 0) return null;
  return (
    <section aria-labelledby="ex-sinks">
      <h2 id="ex-sinks">{t('exchange.sinks')}</h2>
      <table data-testid="exchange-sinks">
        <thead>
          <tr>
            <th scope="col">{t('exchange.sink')}</th>
            <th scope="col">{t('exchange.connection')}</th>
            <th scope="col" className="num" title={t('exchange.sinkQueuedHelp')}>{t('exchange.sinkQueued')}</th>
            <th scope="col" className="num">{t('exchange.sinkConfirmed')}</th>
            <th scope="col" className="num" title={t('exchange.sinkRepublishedHelp')}>{t('exchange.sinkRepublished')}</th>
            <th scope="col">{t('exchange.sinkLastConfirmed')}</th>
          </tr>
        </thead>
        <tbody>
          {sinks.data.map((sink) => (
            <tr key={sink.name} data-sink={sink.name}>
              <td>
                <span className="mono">{sink.exchange}</span>
                <br />
                <span className="muted">{sink.name}</span>
              </td>
              <td className="wrap">
                <Badge tone={SINK_TONE[sink.state]}>{t(`exchange.sinkState.${sink.state}`)}</Badge>
                {sink.lastError !== null && sink.state !== 'connected' ? <><br /><span className="muted">{sink.lastError.message}</span></> : null}
              </td>
              <td className="num">{i18n.number(sink.queued + sink.unconfirmed)}</td>
              <td className="num">{i18n.number(sink.confirmed)}</td>
              <td className="num">{i18n.number(sink.republished)}</td>
              <td>{sink.lastConfirmedAt === null ? t('common.never') : i18n.dateTime(sink.lastConfirmedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Queues({ queues }: { queues: RabbitmqQueueView[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section aria-labelledby="ex-queues">
      <h2 id="ex-queues">{t('exchange.queues')}</h2>
      {queues.length === 0 ? (
        <p className="muted">{t('exchange.noQueues')}</p>
      ) : (
        <table data-testid="exchange-queues">
          <thead>
            <tr>
              <th scope="col" className="col-queue">{t('exchange.queue')}</th>
              <th scope="col">{t('exchange.connection')}</th>
              <th scope="col" className="num">{t('exchange.consumed')}</th>
              <th scope="col" className="num" title={t('exchange.droppedHelp')}>{t('exchange.dropped')}</th>
              <th scope="col" className="num" title={t('exchange.poisonedHelp')}>{t('exchange.poisoned')}</th>
              <th scope="col">{t('exchange.lastMessage')}</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.source} data-source={q.source}>
                <td>
                  <span className="mono">{q.queue}</span>
                  <br />
                  <span className="muted">
                    {q.source} → {q.stream}
                  </span>
                </td>
                <td className="wrap">
                  {q.state === 'ok' ? <Badge tone="ok">{t('exchange.connected')}</Badge> : <Badge tone={q.state === 'error' ? 'error' : 'busy'}>{t(`state.${q.state}`)}</Badge>}
                  {q.lastError !== null && q.state !== 'ok' ? <><br /><span className="muted">{q.lastError.message}</span></> : null}
                </td>
                <td className="num">{i18n.number(q.consumed)}</td>
                <td className="num">{i18n.number(q.redeliveriesDropped)}</td>
                <td className="num">
                  {q.poisoned > 0 ? <Badge tone="warn">{i18n.number(q.poisoned)}</Badge> : i18n.number(q.poisoned)}
                  <br />
                  <span className="muted">{q.deadLetterExchange === null ? t('exchange.deadLetterQueue') : t('exchange.deadLetter', { exchange: q.deadLetterExchange })}</span>
                </td>
                <td>{q.lastSuccessAt === null ? t('common.never') : i18n.dateTime(q.lastSuccessAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Sftp({ sftp }: { sftp: ExchangeView['sftp'] }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section aria-labelledby="ex-sftp">
      <h2 id="ex-sftp">{t('exchange.sftp')}</h2>
      {sftp.servers.length === 0 ? (
        <p className="muted">{t('exchange.noSftp')}</p>
      ) : (
        <dl className="facts" data-testid="exchange-servers">
          {sftp.servers.map((s) => (
            <Fragment key={s.name}>
              <dt>{s.name}</dt>
              <dd className="wrap">
                <span className="mono">{s.host}:{s.port}</span>
                {s.pull !== null && <> · {t('exchange.pullEvery', { dir: s.pull.remoteDir, secs: s.pull.intervalSecs })}</>}
                {s.push !== null && <> · {t('exchange.pushTo', { dir: s.push.remoteDir })}</>}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
      <h3>{t('exchange.fetched', { count: i18n.number(sftp.fetched.length) })}</h3>
      {sftp.fetched.length === 0 ? (
        <p className="muted">{t('exchange.noFetched')}</p>
      ) : (
        <table className="fit" data-testid="exchange-fetched">
          <thead>
            <tr>
              <th scope="col" className="col-path">{t('exchange.path')}</th>
              <th scope="col" className="num col-size">{t('exchange.size')}</th>
              <th scope="col" className="col-hash">{t('exchange.hash')}</th>
              <th scope="col" className="col-time">{t('exchange.fetchedAt')}</th>
              <th scope="col">{t('common.state')}</th>
            </tr>
          </thead>
          <tbody>
            {sftp.fetched.map((f) => (
              <tr key={`${f.server}/${f.remotePath}/${f.fetchedAt}`}>
                <td className="wrap">
                  <span className="mono">{f.remotePath}</span>
                  <br />
                  <span className="muted">{f.server}</span>
                </td>
                <td className="num">{i18n.number(f.size)}</td>
                <td className="mono" title={f.sha256}>{f.sha256.slice(0, 12)}…</td>
                <td>{i18n.dateTime(f.fetchedAt)}</td>
                <td className="wrap">
                  <Badge tone={FETCH_TONE[f.state]}>{t(`exchange.fetch.${f.state}`)}</Badge>
                  {f.movedTo !== null && <span className="muted mono"> {f.movedTo}</span>}
                  {f.reason !== null && f.state === 'kept' ? <><br /><span className="muted">{f.reason}</span></> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('exchange.pushed', { count: i18n.number(sftp.pushed.length) })}</h3>
      {sftp.pushed.length === 0 ? (
        <p className="muted">{t('exchange.noPushed')}</p>
      ) : (
        <table className="fit" data-testid="exchange-pushed">
          <thead>
            <tr>
              <th scope="col" className="col-path">{t('exchange.path')}</th>
              <th scope="col" className="col-hash">{t('exchange.hash')}</th>
              <th scope="col">{t('exchange.pushedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {sftp.pushed.map((p) => (
              <tr key={`${p.server}/${p.sha256}`}>
                <td className="wrap">
                  <span className="mono">{p.remotePath}</span>
                  <br />
                  <span className="muted">{p.server}</span>
                </td>
                <td className="mono" title={p.sha256}>{p.sha256.slice(0, 12)}…</td>
                <td>{i18n.dateTime(p.pushedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('exchange.fetchGlossary')}</h3>
      <dl className="facts">
        {FETCH_STATES.map((s) => (
          <Fragment key={s}>
            <dt>{t(`exchange.fetch.${s}`)}</dt>
            <dd className="wrap">{t(`exchange.fetchExplain.${s}`)}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}
