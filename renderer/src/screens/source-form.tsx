/**
 * Add or edit a source: an ODBC database (Test connection, a table picker, a preview of real rows)
 * or a watched folder. The password is write-only: sent with the save, stored in the keychain by
 * the agent, never shown again. Nothing is saved unless the agent can actually connect.
 */
import { useState, type FormEvent } from 'react';
import type { CatalogTable, ConnectionTest, SourceSummary, TablePreview } from '../../../agents/api/index.ts';
import type { SourceDraft } from '../../../preload/contract.ts';
import { MoreDetail, Notice, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive } from '../state/live.tsx';
import { streamConfig, type Mode, type StreamDraft } from './stream-config.ts';

type Dialect = 'postgresql' | 'mariadb' | 'sqlite';
const DRIVERS: Record<Dialect, string> = { postgresql: 'PostgreSQL Unicode', mariadb: 'MariaDB Unicode', sqlite: 'SQLite3' };
const DEFAULT_PORTS: Record<Dialect, string> = { postgresql: '5432', mariadb: '3306', sqlite: '' };

/** `Driver={…};Server=…` → {driver, server, …} (keys lower-cased). */
function parseConnectionString(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim().replace(/^\{(.*)\}$/, '$1');
  }
  return out;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/^.*\./, '').replace(/[^a-z0-9_-]+/g, '_').replace(/^[^a-z0-9]+/, '').slice(0, 63) || 'stream';
}

export function SourceForm({ kind, existing, onDone }: { kind: 'odbc' | 'folder'; existing?: SourceSummary; onDone: (saved: boolean) => void }) {
  return kind === 'odbc' ? <OdbcForm existing={existing} onDone={onDone} /> : <FolderForm existing={existing} onDone={onDone} />;
}

function OdbcForm({ existing, onDone }: { existing?: SourceSummary | undefined; onDone: (saved: boolean) => void }) {
  const { t } = useI18n();
  const { api } = useLive();
  const config = (existing?.config ?? {});
  const parsed = parseConnectionString(typeof config.connectionString === 'string' ? config.connectionString : '');
  const [name, setName] = useState(existing?.name ?? '');
  const [dialect, setDialect] = useState<Dialect>((config.dialect as Dialect | undefined) ?? 'postgresql');
  const [server, setServer] = useState(parsed.server ?? '127.0.0.1');
  const [port, setPort] = useState(parsed.port ?? DEFAULT_PORTS.postgresql);
  const [database, setDatabase] = useState(parsed.database ?? '');
  const [user, setUser] = useState(parsed.uid ?? parsed.user ?? '');
  const [password, setPassword] = useState('');
  const [timeZone, setTimeZone] = useState((config.timeZone as string | undefined) ?? 'UTC');
  const [intervalSecs, setIntervalSecs] = useState(String((config.intervalSecs as number | undefined) ?? 10));
  const [streams, setStreams] = useState<StreamDraft[]>(((config.streams as StreamDraft[] | undefined) ?? []).map((s) => ({ ...s, mode: s.mode ?? 'cursor' })));
  const [tables, setTables] = useState<CatalogTable[] | null>(null);
  const [preview, setPreview] = useState<TablePreview | null>(null);
  const [pick, setPick] = useState<StreamDraft | null>(null);
  const test = useAction<ConnectionTest>();
  const discover = useAction<CatalogTable[]>();
  const previewing = useAction<TablePreview>();
  const save = useAction<SourceSummary>();
  const [testResult, setTestResult] = useState<ConnectionTest | null>(null);

  const connectionString = () => {
    const driver = `Driver={${DRIVERS[dialect]}}`;
    if (dialect === 'sqlite') return `${driver};Database=${database}`;
    return [driver, `Server=${server}`, port === '' ? null : `Port=${port}`, `Database=${database}`, user === '' ? null : `Uid=${user}`].filter(Boolean).join(';');
  };
  const draft = (withStreams: StreamDraft[] = streams): SourceDraft => {
    // Keys this form does not show (schedule, documents, a stream's lane, page size, read times…)
    // are kept as they were: editing the connection must not quietly reset them.
    const out: Record<string, unknown> = {
      ...config,
      type: 'odbc',
      name,
      dialect,
      connectionString: connectionString(),
      timeZone,
      intervalSecs: Number(intervalSecs),
      streams: withStreams.map(streamConfig),
    };
    return password === '' ? { config: out } : { config: out, password };
  };
  // Testing before any table is chosen still proves the login: the streams are checked once there are some.
  const testDraft = () => {
    const d = draft();
    return streams.length > 0 ? d : { ...d, config: { ...d.config, streams: [] } };
  };

  const runTest = async () => {
    setTestResult(null);
    const d = testDraft();
    const result = streams.length > 0 ? await test.run(() => api.testConnection(d), (r) => r.message) : await discover.run(() => api.discoverTables(d), (list) => t('form.tablesFound', { count: list.length }));
    if (result === null) setTestResult({ ok: false, message: '' });
    else if (Array.isArray(result)) {
      setTables(result);
      setTestResult({ ok: true, message: t('form.tablesFound', { count: result.length }) });
    } else setTestResult(result);
  };

  const choose = async (table: CatalogTable) => {
    const qualified = dialect === 'sqlite' ? table.name : `${table.schema}.${table.name}`;
    const result = await previewing.run(() => api.previewRows(testDraft(), qualified, 10), () => '');
    setPreview(result);
    if (result) setPick({ name: slug(table.name), table: qualified, keyColumns: result.primaryKey, mode: 'snapshot' });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await save.run(() => api.saveSource(draft(), existing?.name), () => t('sources.saved'));
    if (saved) onDone(true);
  };

  const testMessage = testResult && (testResult.ok ? (test.message?.text ?? discover.message?.text ?? t('form.testOk')) : (test.message?.text ?? discover.message?.text ?? t('form.testFailed')));
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="source-form-title">
      <h2 id="source-form-title">{existing ? t('form.editTitle', { name: existing.name }) : t('sources.addOdbc')}</h2>
      <div className="fields">
        <label>
          {t('form.name')}
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9][a-z0-9_-]{0,62}" autoComplete="off" />
        </label>
        <label>
          {t('form.dialect')}
          <select
            name="dialect"
            value={dialect}
            onChange={(e) => {
              const next = e.target.value as Dialect;
              setDialect(next);
              setPort(DEFAULT_PORTS[next]);
            }}
          >
            <option value="postgresql">PostgreSQL</option>
            <option value="mariadb">MariaDB / MySQL</option>
            <option value="sqlite">SQLite</option>
          </select>
        </label>
        {dialect !== 'sqlite' && (
          <>
            <label>
              {t('form.server')}
              <input name="server" value={server} onChange={(e) => setServer(e.target.value)} required autoComplete="off" />
            </label>
            <label>
              {t('form.port')}
              <input name="port" value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" autoComplete="off" />
            </label>
          </>
        )}
        <label>
          {t('form.database')}
          <input name="database" value={database} onChange={(e) => setDatabase(e.target.value)} required autoComplete="off" />
        </label>
        {dialect !== 'sqlite' && (
          <>
            <label>
              {t('form.user')}
              <input name="user" value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
            </label>
            <label>
              {t('form.password')}
              <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" aria-describedby="password-hint" />
              <span id="password-hint" className="hint">
                {t('form.passwordHint')}
              </span>
            </label>
          </>
        )}
      </div>
      <MoreDetail summary={t('form.advanced')}>
        <div className="fields">
          <label>
            {t('form.timeZone')}
            <input name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
          </label>
          <label>
            {t('form.interval')}
            <input name="intervalSecs" value={intervalSecs} onChange={(e) => setIntervalSecs(e.target.value)} inputMode="decimal" />
          </label>
          <p className="mono wrap">
            {t('form.connectionString')}: {connectionString()}
          </p>
        </div>
      </MoreDetail>
      <p>
        <button type="button" onClick={() => void runTest()} disabled={test.busy || discover.busy}>
          {test.busy || discover.busy ? t('form.testing') : t('form.test')}
        </button>
      </p>
      {testResult && (
        <div data-testid="test-result">
          <Notice tone={testResult.ok ? 'ok' : 'error'}>
            <span className="pre">{testMessage}</span>
          </Notice>
        </div>
      )}

      <fieldset>
        <legend>{t('form.streams')}</legend>
        {streams.length === 0 && <p className="muted">{t('form.noStreams')}</p>}
        <ul className="rows">
          {streams.map((s) => (
            <li key={s.name}>
              <strong>{s.name}</strong> <span className="mono">{s.table}</span> <span className="muted">({s.keyColumns.join(', ')}; {t(`form.mode.${s.mode}`)})</span>{' '}
              <button type="button" onClick={() => setStreams(streams.filter((x) => x !== s))}>
                {t('form.removeStream', { table: s.table })}
              </button>
            </li>
          ))}
        </ul>
        {tables === null ? (
          <button type="button" onClick={() => void discover.run(() => api.discoverTables(testDraft()), (list) => t('form.tablesFound', { count: list.length })).then((list) => list && setTables(list))}>
            {t('form.loadTables')}
          </button>
        ) : (
          <div className="picker">
            <h3>{t('form.pickTable')}</h3>
            <ul className="table-list">
              {tables.map((table) => (
                <li key={`${table.schema}.${table.name}`}>
                  <button type="button" onClick={() => void choose(table)} disabled={!table.readable} aria-pressed={pick?.table === `${table.schema}.${table.name}` || pick?.table === table.name}>
                    {dialect === 'sqlite' ? table.name : `${table.schema}.${table.name}`}
                  </button>
                  {!table.readable && <span className="muted"> ({t('form.notReadable')})</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {previewing.message?.tone === 'error' && <Notice tone="error">{previewing.message.text}</Notice>}
        {preview && pick && (
          <div className="preview" data-testid="preview">
            <h3>{t('form.previewOf', { table: preview.table })}</h3>
            <div className="table-scroll" tabIndex={0} role="region" aria-label={t('form.previewOf', { table: preview.table })}>
              <table>
                <thead>
                  <tr>
                    {preview.columns.map((c) => (
                      <th key={c.name} scope="col">
                        {c.name}
                        <span className="muted"> {c.type}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((row, i) => (
                    <tr key={i}>
                      {preview.columns.map((c) => (
                        <td key={c.name}>{row[c.name] === null || row[c.name] === undefined ? '–' : typeof row[c.name] === 'object' ? JSON.stringify(row[c.name]) : String(row[c.name] as string)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="fields">
              <label>
                {t('form.streamName')}
                <input name="streamName" value={pick.name} onChange={(e) => setPick({ ...pick, name: e.target.value })} />
              </label>
              <label>
                {t('form.keyColumns')}
                <input name="keyColumns" value={pick.keyColumns.join(', ')} onChange={(e) => setPick({ ...pick, keyColumns: e.target.value.split(',').map((x) => x.trim()).filter(Boolean) })} />
                {preview.primaryKey.length === 0 && <span className="hint">{t('form.noKey')}</span>}
              </label>
              <label>
                {t('form.mode')}
                <select name="mode" value={pick.mode} onChange={(e) => setPick({ ...pick, mode: e.target.value as Mode })}>
                  <option value="snapshot">{t('form.mode.snapshot')}</option>
                  <option value="cursor">{t('form.mode.cursor')}</option>
                  <option value="append">{t('form.mode.append')}</option>
                </select>
              </label>
              {pick.mode === 'cursor' && (
                <label>
                  {t('form.cursorColumn')}
                  <select name="cursorColumn" value={pick.cursorColumn ?? ''} onChange={(e) => setPick({ ...pick, cursorColumn: e.target.value })}>
                    <option value="" />
                    {preview.columns.map((c) => (
                      <option key={c.name} value={c.name}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
            </div>
            <button
              type="button"
              disabled={pick.keyColumns.length === 0}
              onClick={() => {
                setStreams([...streams.filter((s) => s.name !== pick.name), pick]);
                setPick(null);
                setPreview(null);
              }}
            >
              {t('form.addStream')}
            </button>
          </div>
        )}
      </fieldset>
      {save.message && (
        <div data-testid="save-result">
          <Notice tone={save.message.tone}>
            <span className="pre">{save.message.text}</span>
          </Notice>
        </div>
      )}
      <p className="actions">
        <button type="submit" className="primary" disabled={save.busy || streams.length === 0}>
          {save.busy ? t('form.saving') : t('common.save')}
        </button>{' '}
        <button type="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </p>
    </form>
  );
}

function FolderForm({ existing, onDone }: { existing?: SourceSummary | undefined; onDone: (saved: boolean) => void }) {
  const { t } = useI18n();
  const { api } = useLive();
  const config = (existing?.config ?? {});
  const [name, setName] = useState(existing?.name ?? '');
  const [path, setPath] = useState((config.path as string | undefined) ?? '');
  const [kind, setKind] = useState((config.kind as string | undefined) ?? 'auto');
  const [timeZone, setTimeZone] = useState((config.timeZone as string | undefined) ?? 'UTC');
  const [hold, setHold] = useState((config.hold as boolean | undefined) ?? false);
  const save = useAction<SourceSummary>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const draft = { config: { ...config, type: 'folder', name, path, kind, timeZone, hold } };
    if (await save.run(() => api.saveSource(draft, existing?.name), () => t('sources.saved'))) onDone(true);
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="folder-form-title">
      <h2 id="folder-form-title">{existing ? t('form.editTitle', { name: existing.name }) : t('sources.addFolder')}</h2>
      <div className="fields">
        <label>
          {t('form.name')}
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9][a-z0-9_-]{0,62}" />
        </label>
        <label>
          {t('form.folderPath')}
          <input name="path" value={path} onChange={(e) => setPath(e.target.value)} required />
        </label>
        <label>
          {t('form.folderKind')}
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="auto">{t('form.kind.auto')}</option>
            <option value="bank">{t('form.kind.bank')}</option>
            <option value="zreport">{t('form.kind.zreport')}</option>
          </select>
        </label>
        <label>
          {t('form.timeZone')}
          <input name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
        </label>
        <label className="checkbox">
          <input type="checkbox" name="hold" checked={hold} onChange={(e) => setHold(e.target.checked)} />
          {t('form.hold')}
        </label>
      </div>
      {save.message && (
        <div data-testid="save-result">
          <Notice tone={save.message.tone}>
            <span className="pre">{save.message.text}</span>
          </Notice>
        </div>
      )}
      <p className="actions">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? t('form.saving') : t('common.save')}
        </button>{' '}
        <button type="button" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </p>
    </form>
  );
}

