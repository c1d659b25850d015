/**
 * Files per watched folder with their outcome (issue 11). A folder with `hold` keeps new files
 * waiting until a person approves (they are then sent) or rejects them; an imported file can be
 * voided, which sends deletes for its records, after a confirmation.
 */
import type { FileEntry } from '../../../agents/api/index.ts';
import { Badge, ConfirmButton, Loading, MoreDetail, Notice, Page, useAction } from '../components/ui.tsx';
import { useI18n } from '../i18n/i18n.ts';
import type { Tone } from '../state/health.ts';
import { useLive, useResource } from '../state/live.tsx';
import { RoleGate } from '../state/role.tsx';

const OUTCOME_TONE: Record<FileEntry['outcome'], Tone> = { imported: 'ok', duplicate: 'idle', rejected: 'error', held: 'warn', voided: 'idle' };

export function FilesScreen() {
  const { t } = useI18n();
  const { status } = useLive();
  const files = useResource((a) => a.listFiles(), ['files', 'activity']);
  const action = useAction<null>();
  // An empty list means something else without any watched folder: say which, and where to add one.
  const hasFolder = status?.sources.some((source) => source.type === 'folder') ?? true;
  return (
    <Page title={t('files.title')}>
      {action.message && <Notice tone={action.message.tone}>{action.message.text}</Notice>}
      {files.data === null ? (
        <Loading error={files.error} />
      ) : files.data.length === 0 ? (
        <p className="muted">{t(hasFolder ? 'files.none' : 'files.noFolder')}</p>
      ) : (
        byFolder(files.data).map(([folder, entries]) => (
          <section key={folder} aria-labelledby={`folder-${folder}`}>
            <h2 id={`folder-${folder}`}>{folder}</h2>
            <ul className="rows" data-testid="files">
              {entries.map((file) => (
                <FileRow key={`${file.outcome}:${file.path}`} file={file} run={(call, done) => void action.run(call, () => done).then(files.reload)} />
              ))}
            </ul>
          </section>
        ))
      )}
    </Page>
  );
}

type Run = (call: () => ReturnType<ReturnType<typeof useLive>['api']['approveFile']>, done: string) => void;

function FileRow({ file, run }: { file: FileEntry; run: Run }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useLive();
  const sha256 = file.sha256;
  return (
    <li data-testid="file" data-outcome={file.outcome}>
      <strong className="wrap">{file.name}</strong> <Badge tone={OUTCOME_TONE[file.outcome]}>{t(`files.outcome.${file.outcome}`)}</Badge>{' '}
      <span className="muted">
        {i18n.dateTime(file.at)}
        {file.upload !== 'none' && ` · ${t(`files.upload.${file.upload}`)}`}
        {file.void !== null && ` · ${t(`files.void.${file.void}`)}`}
      </span>
      {file.reason && (
        <p className={file.outcome === 'rejected' ? 'error-text' : 'muted'}>
          {t('files.reason')}: {file.reason}
        </p>
      )}
      {file.outcome === 'held' && sha256 !== null && (
        <p className="actions">
          <span>{t('files.heldExplain')}</span>{' '}
          <RoleGate action="approveFile" label={t('files.approve')}>
          <button type="button" onClick={() => run(() => api.approveFile(file.source, sha256), t('files.approved', { name: file.name }))}>
            {t('files.approve')}
          </button>{' '}
          <ConfirmButton
            label={t('files.reject')}
            question={t('files.rejectConfirm', { name: file.name })}
            onConfirm={() => run(() => api.rejectFile(file.source, sha256), t('files.rejected', { name: file.name }))}
          />
          </RoleGate>
        </p>
      )}
      {file.outcome === 'imported' && sha256 !== null && (
        <p className="actions">
          <RoleGate action="voidFile" label={t('files.void')}>
          <ConfirmButton
            label={t('files.void')}
            question={t('files.voidConfirm', { name: file.name })}
            onConfirm={() => run(() => api.voidFile(file.source, sha256), t('files.voided', { name: file.name }))}
          />
          </RoleGate>
        </p>
      )}
      <MoreDetail>
        <p className="mono wrap">
          {t('files.where')}: {file.path}
        </p>
        <p className="muted">{t('files.size', { size: i18n.number(file.bytes) })}</p>
        {file.detail && <pre className="pre wrap">{file.detail}</pre>}
      </MoreDetail>
    </li>
  );
}

function byFolder(files: readonly FileEntry[]): Array<[string, FileEntry[]]> {
  const folders = new Map<string, FileEntry[]>();
  for (const file of files) folders.set(file.source, [...(folders.get(file.source) ?? []), file]);
  return [...folders.entries()];
}
