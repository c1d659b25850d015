/**
 * The mapping editor (docs/quarantine.md "The mapping editor"): pick a stream, edit its mapping JSON,
 * preview it on rows read from the real source (input → output → error side by side, or the
 * checker's refusals with field and expression named), and save. Save is disabled while the last
 * preview refused the text; a save applies to the next read, records already queued are not re-mapped.
 */
import { useEffect, useState } from 'react';
import type { MappingEntry, MappingPreviewView } from '../../../agents/api/index.ts';
import { Badge, Loading, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

const idOf = (m: Pick<MappingEntry, 'source' | 'stream'>) => `${m.source}/${m.stream}`;

export function MappingScreen() {
  const { t } = useI18n();
  const mappings = useResource((a) => a.listMappings(), ['sources', 'settings']);
  const [chosen, setChosen] = useState<string | null>(null);
  if (mappings.data === null) return <Page title={t('mapping.title')}><Loading error={mappings.error} /></Page>;
  const list = mappings.data;
  const current = list.find((m) => idOf(m) === chosen) ?? list[0];
  return (
    <Page title={t('mapping.title')}>
      <p className="muted">{t('mapping.intro')}</p>
      {current === undefined ? (
        <p className="muted">{t('mapping.none')}</p>
      ) : (
        <>
          <label className="inline-field">
            {t('mapping.stream')}
            <select value={idOf(current)} onChange={(e) => setChosen(e.target.value)} data-testid="mapping-stream">
              {list.map((m) => (
                <option key={idOf(m)} value={idOf(m)}>
                  {m.source} / {m.stream}
                </option>
              ))}
            </select>
          </label>
          <MappingEditor key={idOf(current)} entry={current} onSaved={mappings.reload} />
        </>
      )}
    </Page>
  );
}

function MappingEditor({ entry, onSaved }: { entry: MappingEntry; onSaved: () => void }) {
  const { t } = useI18n();
  const { api } = useLive();
  const [text, setText] = useState(entry.text ?? '');
  const [rows, setRows] = useState(10);
  const [preview, setPreview] = useState<MappingPreviewView | null>(null);
  /** The text the shown preview was made from: Save waits for a clean preview of exactly this text. */
  const [previewedText, setPreviewedText] = useState<string | null>(null);
  const run = useAction<MappingPreviewView>();
  const save = useAction<MappingEntry>();
  useEffect(() => setText(entry.text ?? ''), [entry.text]);
  const refused = preview !== null && (preview.invalid !== undefined || preview.refusals.length > 0);
  const canSave = entry.mappingFile !== null && text.trim() !== '' && !(refused && previewedText === text);
  const onPreview = () =>
    void run
      .run(() => api.previewMapping({ source: entry.source, stream: entry.stream, mapping: text, rows }), (p) => previewSummary(p))
      .then((p) => {
        if (p !== null) {
          setPreview(p);
          setPreviewedText(text);
        }
      });
  const previewSummary = (p: MappingPreviewView) =>
    p.invalid !== undefined ? t('mapping.invalidShort') : p.refusals.length > 0 ? t('mapping.refusedShort', { count: p.refusals.length }) : t('mapping.previewed', { mapped: p.mapped, failed: p.failed });
  const onSave = () => void save.run(() => api.saveMapping(entry.source, entry.stream, text), () => t('mapping.saved')).then((r) => r !== null && onSaved());
  return (
    <section aria-labelledby="map-edit">
      <h2 id="map-edit">
        {entry.source} / {entry.stream}
      </h2>
      <dl className="facts">
        <dt>{t('mapping.file')}</dt>
        <dd className="mono wrap">{entry.mappingFile ?? t('mapping.noFile')}</dd>
        <dt>{t('mapping.rules')}</dt>
        <dd className="mono wrap">{entry.rulesFile ?? t('mapping.noRules')}</dd>
      </dl>
      {entry.readError !== undefined && <Notice tone="error">{entry.readError}</Notice>}
      <p>
        <label htmlFor="map-text">{t('mapping.textLabel')}</label>
      </p>
      <textarea id="map-text" className="mono code" rows={18} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} data-testid="mapping-text" />
      <p className="actions">
        <label className="inline-field">
          {t('mapping.rows')}
          <input type="number" min={1} max={50} value={rows} onChange={(e) => setRows(Math.min(50, Math.max(1, Number(e.target.value) || 1)))} style={{ width: '5rem' }} />
        </label>{' '}
        <RoleGate action="previewMapping" label={t('mapping.preview')}>
          <button type="button" onClick={onPreview} disabled={run.busy}>
            {run.busy ? t('common.working') : t('mapping.preview')}
          </button>
        </RoleGate>{' '}
        <RoleGate action="saveMapping" label={t('common.save')}>
          <button type="button" onClick={onSave} disabled={!canSave || save.busy} title={canSave ? undefined : t('mapping.saveDisabled')}>
            {t('common.save')}
          </button>
        </RoleGate>
      </p>
      <p className="hint">{t('mapping.saveHint')}</p>
      {save.message && <Notice tone={save.message.tone}>{save.message.text}</Notice>}
      {run.message?.tone === 'error' && <Notice tone="error">{run.message.text}</Notice>}
      {preview !== null && <PreviewResult preview={preview} stale={previewedText !== text} />}
    </section>
  );
}

function PreviewResult({ preview, stale }: { preview: MappingPreviewView; stale: boolean }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="map-preview" data-testid="mapping-preview">
      <h3 id="map-preview">{t('mapping.previewTitle')}</h3>
      {stale && <p className="hint">{t('mapping.stale')}</p>}
      {preview.invalid !== undefined && <Notice tone="error">{preview.invalid}</Notice>}
      {preview.refusals.length > 0 && (
        <div data-testid="mapping-refusals">
          <Notice tone="error">{t('mapping.refused')}</Notice>
          <table className="fit">
            <thead>
              <tr>
                <th scope="col">{t('mapping.field')}</th>
                <th scope="col">{t('mapping.expression')}</th>
                <th scope="col">{t('mapping.why')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.refusals.map((r, i) => (
                <tr key={i}>
                  <td className="mono">{r.field}</td>
                  <td className="mono wrap">{r.expression}</td>
                  <td className="wrap">{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview.invalid === undefined && preview.refusals.length === 0 && (
        <>
          <p>
            <Badge tone={preview.failed === 0 ? 'ok' : 'warn'}>{t('mapping.previewed', { mapped: preview.mapped, failed: preview.failed })}</Badge>
          </p>
          {preview.rulesNotPreviewed && <p className="hint">{t('mapping.rulesNotPreviewed')}</p>}
          {preview.rows.length === 0 ? (
            <p className="muted">{t('mapping.noRows')}</p>
          ) : (
            <table className="fit" data-testid="mapping-rows">
              <thead>
                <tr>
                  <th scope="col">{t('mapping.input')}</th>
                  <th scope="col">{t('mapping.output')}</th>
                  <th scope="col">{t('mapping.errors')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  <tr key={i}>
                    <td>
                      <pre className="mono code">{row.input === null ? t('mapping.deleteRow') : JSON.stringify(row.input, null, 1)}</pre>
                    </td>
                    <td>{row.output === undefined ? '–' : <pre className="mono code">{JSON.stringify(row.output, null, 1)}</pre>}</td>
                    <td className="wrap">
                      {row.error !== undefined ? (
                        <span className="error-text">
                          {row.error.field === undefined ? '' : <span className="mono">{row.error.field}: </span>}
                          {row.error.message}
                        </span>
                      ) : (row.validation ?? []).length === 0 ? (
                        <Badge tone="ok">{t('mapping.ok')}</Badge>
                      ) : (
                        <ul className="rows" data-testid="mapping-validation">
                          {(row.validation ?? []).map((f, j) => (
                            <li key={j} className={f.severity === 'warn' ? undefined : 'error-text'}>
                              <span className="mono">{f.code}{f.path === '' ? '' : ` ${f.path}`}: </span>
                              {f.message}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
