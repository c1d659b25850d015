/**
 * Runs a configured export (issue 16 item 3): reads the table or query over its ODBC source into a
 * private file in the data dir, then uploads it through `PUT /v1/files` with `export=<name>` and
 * removes it. The cloud's `run-export {name}`, the export's own schedule and `tya-agent export` all
 * come here. One run per export at a time: a second request while one runs is refused, not queued
 * (the cloud asks again, the schedule's next slot comes).
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfig, ExportConfig, ExportResult, OdbcSourceConfig } from '../../api/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import { exportRows, writeExportFile, type WrittenExport } from '../../sources/odbc/index.ts';
import type { Logger } from '../../telemetry/logger.ts';

const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** What the upload needs: the cloud client's putFile, narrowed so tests and the CLI can stand in. */
export type ExportUpload = (
  file: { sha256: string; bytes: number; chunks: () => AsyncIterable<Uint8Array> },
  meta: { fileName: string; exportName: string; source: string; contentType: string; entity: string },
) => Promise<{ created: boolean }>;

export interface ExportRunnerDeps {
  config: () => AgentConfig;
  secrets: SecretResolver;
  /** Where files are written while they upload (inside the data dir: private to the agent's user). */
  workDir: string;
  logger: Logger;
  now: () => number;
  /** Absent while the agent is not enrolled: exports can still be written to a local file. */
  upload: () => ExportUpload | null;
}

export class ExportRunner {
  readonly #deps: ExportRunnerDeps;
  readonly #running = new Set<string>();

  constructor(deps: ExportRunnerDeps) {
    this.#deps = deps;
  }

  /** Reads the export into `file` (the CLI's `-o`); nothing is uploaded. */
  async toFile(name: string, file: string): Promise<WrittenExport & { export: ExportConfig }> {
    const { exp, source } = this.#find(name);
    return this.#exclusive(name, async () => ({ ...(await this.#write(exp, source, file)), export: exp }));
  }

  /** Reads the export and uploads it; the file is removed afterwards, uploaded or not. */
  async runAndUpload(name: string, trigger: 'command' | 'schedule' | 'cli'): Promise<ExportResult> {
    const { exp, source } = this.#find(name);
    const upload = this.#deps.upload();
    if (upload === null) throw new AgentError('not_enrolled', `Export "${name}" cannot be uploaded: this agent is not enrolled.`, { hint: 'Enroll it first ("tya-agent enroll"), or write the export to a file with "tya-agent export ' + name + ' -o FILE".' });
    return this.#exclusive(name, async () => {
      const fileName = exportFileName(exp, this.#deps.now());
      mkdirSync(this.#deps.workDir, { recursive: true, mode: 0o700 });
      const file = path.join(this.#deps.workDir, fileName);
      try {
        const started = performance.now();
        const written = await this.#write(exp, source, file);
        const answer = await upload(
          { sha256: written.sha256, bytes: written.bytes, chunks: () => createReadStream(file, { highWaterMark: UPLOAD_CHUNK_BYTES }) },
          { fileName, exportName: exp.name, source: exp.source, contentType: exp.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl', entity: source.entity ?? this.#deps.config().cloud.entity },
        );
        this.#deps.logger.info(
          { export: exp.name, trigger, rows: written.rows, bytes: written.bytes, sha256: written.sha256, ms: Math.round(performance.now() - started) },
          `Export ${exp.name}: ${written.rows} rows (${written.bytes} bytes) uploaded as ${fileName}${answer.created ? '' : ' (the cloud already held the same content)'}.`,
        );
        return { name: exp.name, fileName, sha256: written.sha256, bytes: written.bytes, rows: written.rows, uploaded: true };
      } finally {
        rmSync(file, { force: true });
      }
    });
  }

  #find(name: string): { exp: ExportConfig; source: OdbcSourceConfig } {
    const config = this.#deps.config();
    const exp = config.exports.find((e) => e.name === name);
    if (exp === undefined) {
      const known = config.exports.map((e) => e.name);
      throw new AgentError('unknown_export', `This agent has no export named "${name}".`, {
        hint: known.length === 0 ? 'No exports are configured: add one under "exports" in the config file.' : `Configured exports: ${known.join(', ')}.`,
      });
    }
    const source = config.sources.find((s): s is OdbcSourceConfig => s.type === 'odbc' && s.name === exp.source);
    // The config's own check makes this unreachable; kept so a bad config in memory cannot run SQL elsewhere.
    if (source === undefined) throw new AgentError('unknown_source', `Export "${name}" reads "${exp.source}", which is not an ODBC source of this config.`);
    return { exp, source };
  }

  async #exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.#running.has(name)) throw new AgentError('export_running', `Export "${name}" is already running; it was not started twice.`);
    this.#running.add(name);
    try {
      return await work();
    } finally {
      this.#running.delete(name);
    }
  }

  #write(exp: ExportConfig, source: OdbcSourceConfig, file: string): Promise<WrittenExport> {
    const pages = exportRows({ config: source, secrets: this.#deps.secrets, table: exp.table, query: exp.query, fetchRows: exp.fetchRows });
    return writeExportFile(pages, exp.format, file);
  }
}

/** `<name>-20261206T014500Z.csv`: sortable, unique per second, no characters a file system refuses. */
export function exportFileName(exp: ExportConfig, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${exp.name}-${stamp}.${exp.format}`;
}
