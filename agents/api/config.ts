/**
 * The agent's configuration file, as one zod schema: the only truth about what a config may say.
 * Keys are camelCase with unit suffixes (`intervalSecs`, `timeoutMs`, `maxBytes`); variants carry a
 * `type` tag; secrets appear only as `{secretRef: "…"}` and live in the OS keychain.
 */
import { z } from 'zod';
import { StreamPipelineConfigSchema } from './stream-config.ts';
import { ExportConfigSchema } from './export.ts';
import { isHttpsOrLoopbackUrl } from './loopback.ts';
import { LaneSchema } from './records.ts';
import { ArrivalExpectationSchema, SourceScheduleSchema } from './schedule.ts';
import { TimeZoneSchema } from './time-zone.ts';
import { CloudProxySchema, CloudTlsSchema } from './cloud-transport-config.ts';
import { NotifyConfigSchema } from './notify-config.ts';
import { MetricsConfigSchema } from './metrics-config.ts';
import { VaultConfigSchema } from './vault-config.ts';
import { RabbitmqSourceSchema } from './rabbitmq-config.ts';
import { ExchangeConfigSchema } from './sftp-config.ts';
import { WritebackConfigSchema } from './writeback-config.ts';
import { SinksConfigSchema } from './sink-config.ts';
import { IdentifierSchema, SlugSchema } from './config-primitives.ts';
import { OdbcStreamSchema } from './odbc-stream-config.ts';

export * from './odbc-stream-config.ts';

export const SecretRefSchema = z
  .object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, . _ / - only') })
  .strict();
export type SecretRef = z.infer<typeof SecretRefSchema>;


/** Connection strings must not carry a password: `Pwd=`/`Password=` belong in the keychain. */
const ConnectionStringSchema = z
  .string()
  .min(1)
  .refine((s) => !/(^|;)\s*(pwd|password)\s*=/i.test(s), {
    message: 'must not contain a password: put it in the keychain and reference it with "password": {"secretRef": "…"}',
  });


// --- POS shift close as one document (issue 3 item 8) ---
const DocumentTableSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/);

/**
 * Where a shift's child rows come from: a table whose columns equal the shift's (`match`), or SQL
 * with one `?` per entry of `parameters` (shift columns, bound as the database's own text).
 */
const DocumentChildBaseSchema = z
  .object({
    table: DocumentTableSchema.optional(),
    /** Child column → shift column, e.g. `{"money": "money"}`: the rows whose values equal the shift's. */
    match: z.record(IdentifierSchema, IdentifierSchema).optional(),
    /** Only these columns of `table` (default: all). */
    columns: z.array(IdentifierSchema).min(1).optional(),
    /** E.g. `SELECT … FROM receipts r JOIN … WHERE r.money = ? ORDER BY r.id` (order by a unique key). */
    sql: z.string().min(1).optional(),
    /** Shift columns bound to the `?`s in order; default: the shift's key columns. */
    parameters: z.array(IdentifierSchema).optional(),
    /** A shift with more child rows than this is refused with an error instead of filling memory. */
    maxRows: z.number().int().min(1).max(1_000_000).default(100_000),
  })
  .strict();

function checkDocumentChild(
  child: {
    table?: string | undefined;
    match?: Record<string, string> | undefined;
    columns?: string[] | undefined;
    sql?: string | undefined;
    parameters?: string[] | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if ((child.table === undefined) === (child.sql === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give either "table" (with "match") or "sql"' });
  }
  if (child.table !== undefined && (child.match === undefined || Object.keys(child.match).length === 0)) {
    ctx.addIssue({
      code: 'custom',
      path: ['match'],
      message: '"table" needs "match": which of its columns equal which shift columns',
    });
  }
  if (child.table !== undefined && child.parameters !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['parameters'], message: '"parameters" belong to "sql"' });
  }
  if (child.sql !== undefined && (child.match !== undefined || child.columns !== undefined)) {
    ctx.addIssue({ code: 'custom', message: '"match" and "columns" belong to "table"' });
  }
}

export const OdbcDocumentSchema = z
  .object({
    /** Stream name as the cloud sees it, e.g. `shift_close`. */
    name: SlugSchema,
    lane: LaneSchema.default('urgent'),
    /** ISO 4217 code used in the check messages, e.g. `EUR`. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'a three-letter currency code')
      .optional(),
    /** Round amounts to this many decimals before the checks (for POS databases that keep money in DOUBLE). */
    decimals: z.number().int().min(0).max(10).optional(),
    /** How often the source looks for newly closed shifts while it reads other streams. */
    pollSecs: z.number().min(0.1).max(3600).default(1),
    shift: z
      .object({
        table: DocumentTableSchema,
        keyColumns: z.array(IdentifierSchema).min(1),
        /** The till/register/host a shift belongs to (Z numbers run per register). */
        registerColumn: IdentifierSchema.optional(),
        /** The Z number (close counter). */
        zNumberColumn: IdentifierSchema.optional(),
        closedWhen: z.discriminatedUnion('type', [
          /** Closed once this column (a close timestamp) is set. */
          z.object({ type: z.literal('closeColumnSet'), column: IdentifierSchema }).strict(),
          /** Closed once the register has a later Z number (the next shift's row), or every row when `latestIsOpen` is false. */
          z.object({ type: z.literal('zNumberIncrements'), latestIsOpen: z.boolean().default(true) }).strict(),
        ]),
        /** Shifts remembered after sending, so one that closes late with an earlier close time is still sent once. */
        recentShifts: z.number().int().min(1).max(1000).default(50),
      })
      .strict()
      .refine((s) => s.closedWhen.type !== 'zNumberIncrements' || s.zNumberColumn !== undefined, {
        message: '"zNumberIncrements" needs "zNumberColumn"',
        path: ['zNumberColumn'],
      }),
    receipts: DocumentChildBaseSchema.extend({
      idColumn: IdentifierSchema,
      /** What the customer paid (compared with the payments). */
      totalColumn: IdentifierSchema,
      /** What the lines must add up to, when not `totalColumn` (e.g. a net total when lines are net). */
      linesTotalColumn: IdentifierSchema.optional(),
    })
      .superRefine(checkDocumentChild)
      .optional(),
    lines: DocumentChildBaseSchema.extend({ receiptColumn: IdentifierSchema, totalColumn: IdentifierSchema })
      .superRefine(checkDocumentChild)
      .optional(),
    payments: DocumentChildBaseSchema.extend({
      receiptColumn: IdentifierSchema.optional(),
      tenderColumn: IdentifierSchema,
      amountColumn: IdentifierSchema,
    })
      .superRefine(checkDocumentChild)
      .optional(),
    cash: z
      .object({
        /** Shift column with the cash counted at the close. */
        countedColumn: IdentifierSchema,
        /** Shift column with the POS's own expected cash; otherwise opening columns + cash tenders. */
        expectedColumn: IdentifierSchema.optional(),
        /** Shift columns added to the cash taken (opening float, transfers in). */
        openingColumns: z.array(IdentifierSchema).default([]),
        /** Payment tender names that are cash, e.g. `["cash"]` (case-insensitive). */
        cashTenders: z.array(z.string().min(1)).default([]),
        /** An over/short up to this amount still counts as balanced. */
        tolerance: z
          .string()
          .regex(/^\d+(\.\d+)?$/, 'a decimal such as "0.05"')
          .default('0'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (d) =>
      d.cash === undefined ||
      d.cash.expectedColumn !== undefined ||
      (d.payments !== undefined && d.cash.cashTenders.length > 0),
    {
      message: 'the cash count needs "expectedColumn", or "payments" and "cashTenders" to compute the expected cash',
      path: ['cash'],
    },
  );
export type OdbcDocumentConfig = z.infer<typeof OdbcDocumentSchema>;

export const OdbcSourceSchema = z
  .object({
    type: z.literal('odbc'),
    name: SlugSchema,
    /** The company this source's data belongs to (one of the agent's enrolled entities); default `cloud.entity`. */
    entity: SlugSchema.optional(),
    dialect: z.enum(['sqlite', 'postgresql', 'mariadb']),
    /** DSN (`DSN=pos`) or DSN-less (`Driver={PostgreSQL Unicode};Server=…;Database=…;Uid=…`). */
    connectionString: ConnectionStringSchema,
    /** Appended to the connection string as `PWD=…` at connect time, read from the keychain. */
    password: SecretRefSchema.optional(),
    /** IANA zone in which the source's naive timestamps are meant. */
    timeZone: TimeZoneSchema.default('UTC'),
    intervalSecs: z.number().positive().max(86_400).default(10),
    /**
     * The longest any one query on this source may run (capture and exports) before the database stops
     * it, so a table locked by another program fails the read with a clear error instead of hanging; 0: no
     * limit. PostgreSQL and MariaDB enforce it; the SQLite driver does not (a lock there fails on its own).
     */
    queryTimeoutSecs: z.number().int().min(0).max(86_400).default(300),
    /** Read times, business-hour windows and the missed-run policy (default: every `intervalSecs`, always). */
    schedule: SourceScheduleSchema.optional(),
    /** Arrivals to watch for, e.g. a shift close every night by 02:00: a missing one raises an alert. */
    expect: z.array(ArrivalExpectationSchema).max(20).optional(),
    streams: z.array(OdbcStreamSchema).min(1),
    /** POS shift closes, each sent as one document in the urgent lane when a shift closes. */
    documents: z.array(OdbcDocumentSchema).optional(),
  })
  .strict();
export type OdbcSourceConfig = z.infer<typeof OdbcSourceSchema>;

/** Absolute on Linux (`/srv/bank`), Windows (`C:\\Bank`) or a UNC share (`\\\\server\\bank`). */
const AbsolutePathSchema = z
  .string()
  .min(1)
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), {
    message: 'must be an absolute path (e.g. /srv/bank or C:\\Bank)',
  });

export const FolderSourceSchema = z
  .object({
    type: z.literal('folder'),
    name: SlugSchema,
    /** The company this source's files belong to (one of the agent's enrolled entities); default `cloud.entity`. */
    entity: SlugSchema.optional(),
    /** The watched folder: a local disk or a mounted network share. */
    path: AbsolutePathSchema,
    /** What the files are: bank statements, POS shift-close (Z) reports, or either, told apart by content. */
    kind: z.enum(['auto', 'bank', 'zreport']).default('auto'),
    /** Globs relative to the folder (`*.sta`, `**\/*.xml`); case-insensitive. */
    include: z.array(z.string().min(1)).default(['**/*']),
    exclude: z.array(z.string().min(1)).default([]),
    /** Also take files from subfolders. */
    recursive: z.boolean().default(false),
    /** Network shares (SMB/NFS) send no change events: poll instead. */
    usePolling: z.boolean().default(false),
    pollIntervalMs: z.number().int().min(50).max(600_000).default(2000),
    /** A full listing of the folder at start and then this often, in case an event was missed. */
    rescanIntervalSecs: z.number().min(0.1).max(86_400).default(60),
    /** A file written in place (or any file when polling) is taken once its size and modification time stayed the same this long (and it can be opened); one renamed in on a local disk after a short check (agents/sources/folder/README.md). */
    stableMs: z.number().int().min(0).max(3_600_000).default(1000),
    /** Where imported files go (dated subfolders) and rejected ones; relative to `path` unless absolute. */
    archiveDir: z.string().min(1).default('archive'),
    quarantineDir: z.string().min(1).default('quarantine'),
    /** CSV/Excel bank files: a built-in profile name or a profile object (see agents/formats/csv/profile.ts). */
    csvProfile: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** MT940/OFX/BAI2 code page for files that are not UTF-8 (e.g. windows-1252). */
    encoding: z.string().min(1).optional(),
    /** IANA zone of shift-close times written without a UTC offset (e.g. `Europe/Vienna`). */
    timeZone: TimeZoneSchema.default('UTC'),
    /** When files are taken: e.g. bank statements every business day at 07:30 ("30 7 * * mon-fri"); default: as they arrive. */
    schedule: SourceScheduleSchema.optional(),
    /** Arrivals to watch for, e.g. a bank statement every business day by 09:00: a missing one raises an alert. */
    expect: z.array(ArrivalExpectationSchema).max(20).optional(),
    /** Files wait in the folder until a person approves them on the Files screen (or rejects them: quarantine, nothing sent). */
    hold: z.boolean().default(false),
    /** Stream names as the cloud sees them. */
    streams: z
      .object({
        statements: SlugSchema.default('bank_statements'),
        entries: SlugSchema.default('bank_entries'),
        shiftReports: SlugSchema.default('shift_reports'),
        files: SlugSchema.default('source_files'),
      })
      .strict()
      .default({
        statements: 'bank_statements',
        entries: 'bank_entries',
        shiftReports: 'shift_reports',
        files: 'source_files',
      }),
    /** Entries per outbox commit: memory and transaction size stay bounded for large statements. */
    pageRows: z.number().int().min(1).max(5000).default(1000),
    /** How often the capture loop asks the watcher for files that became ready (cheap, in memory). */
    intervalSecs: z.number().positive().max(3600).default(0.25),
  })
  .strict();
export type FolderSourceConfig = z.infer<typeof FolderSourceSchema>;

export const SourceConfigSchema = z.discriminatedUnion('type', [OdbcSourceSchema, FolderSourceSchema, RabbitmqSourceSchema]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

export const CloudConfigSchema = z
  .object({
    /** Base URL of the cloud API. Plain http only for loopback (the sandbox). */
    url: z.url(),
    /** The tenant/entity this agent's data belongs to, e.g. `store-7`. */
    entity: SlugSchema,
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    heartbeatIntervalSecs: z.number().min(1).max(3600).default(30),
    /**
     * Hold a WebSocket to the cloud so its commands arrive within a second (docs/command-tunnel.md);
     * false, or when it cannot be held, commands come with the heartbeat.
     */
    tunnel: z.boolean().default(true),
    batchMaxRecords: z.number().int().min(1).max(5000).default(500),
    batchMaxBytes: z.number().int().min(1024).max(10_000_000).default(4_000_000),
    /** How long a partly filled batch may wait for more records before it is sent. */
    batchMaxAgeMs: z.number().int().min(0).max(60_000).default(250),
    retryBaseMs: z.number().int().min(1).max(60_000).default(500),
    retryMaxMs: z.number().int().min(1).max(3_600_000).default(300_000),
    /** Replace the client and signing secrets when they are this many days old; 0: only on the cloud's command. */
    rotateCredentialsEveryDays: z.number().int().min(0).max(3650).default(90),
    /** Trust, pins and client certificate; proxies (agents/api/cloud-transport-config.ts, docs/network.md). */
    tls: CloudTlsSchema.default({}),
    proxy: CloudProxySchema.default({ mode: 'environment', noProxy: [] }),
  })
  .strict()
  .refine((c) => isAllowedCloudUrl(c.url), {
    message: 'must be https, or http only for a loopback host (127.0.0.1, ::1, localhost)',
    path: ['url'],
  });
export type CloudConfig = z.infer<typeof CloudConfigSchema>;

/** The cloud's address: https, or http to this machine (the sandbox, a local relay). */
export const isAllowedCloudUrl = isHttpsOrLoopbackUrl;

export const AgentConfigSchema = z
  .object({
    agent: z
      .object({
        /** A name people recognise, shown in the cloud (e.g. `store-7-backoffice`). */
        name: z.string().min(1).max(100),
        /** Where the outbox, control token and logs live. Relative paths are relative to the config file. */
        dataDir: z.string().min(1),
      })
      .strict(),
    cloud: CloudConfigSchema,
    outbox: z
      .object({
        /** Size cap of queued data; when reached, capture pauses and an alert is raised (nothing dropped). */
        maxBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .default(1024 ** 3),
        synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
        /**
         * Forget a key's last version once it has not changed for this many days and nothing of it
         * is queued, so the outbox stays bounded on a busy site; 0: never. A forgotten key read
         * again unchanged is sent once more and the cloud answers `unchanged` (docs/operations.md).
         */
        forgetKeysAfterDays: z.number().int().min(0).max(36_500).default(90),
      })
      .strict()
      .default({ maxBytes: 1024 ** 3, synchronous: 'FULL', forgetKeysAfterDays: 90 }),
    control: z
      .object({
        /** Loopback port of the local control API; 0 picks a free one (written to the data dir). */
        port: z.number().int().min(0).max(65_535).default(0),
        /** The group whose members may use the operator socket (control-operator.sock); unset: the agent's own group. */
        operatorGroup: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i).max(64).optional(),
      })
      .strict()
      .default({ port: 0 }),
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        /** Rotation of logs/agent.log (docs/operations.md, "Logs"): by size, by age, how many kept. */
        maxBytes: z.number().int().min(64 * 1024).default(10 * 1024 ** 2),
        maxFiles: z.number().int().min(1).max(100).default(5),
        maxAgeDays: z.number().int().min(1).max(3650).default(14),
        rotateEveryHours: z.number().int().min(1).max(24 * 365).default(24),
      })
      .strict()
      .prefault({}),
    sources: z.array(SourceConfigSchema).default([]),
    /** Per stream: mapping, validation rules and quarantine spike limits (api/stream-config.ts). */
    streams: z.array(StreamPipelineConfigSchema).default([]),
    /** Tables or queries written to a file and uploaded on command or on a schedule (api/export.ts). */
    exports: z.array(ExportConfigSchema).default([]),
    /** Alerts sent to a webhook and/or by e-mail (api/notify-config.ts, docs/alerts-and-metrics.md). */
    notify: NotifyConfigSchema.optional(),
    /** Prometheus `GET /metrics` on loopback, off unless set (api/metrics-config.ts). */
    metrics: MetricsConfigSchema.optional(),
    /** Where secrets live: the OS keychain (default) or, for a headless service, an encrypted file (api/vault-config.ts). */
    vault: VaultConfigSchema.optional(),
    /** File exchange with banks over SFTP (api/sftp-config.ts, docs/sftp.md). */
    exchange: ExchangeConfigSchema.optional(),
    /** Changes from the cloud written into on-premises targets (api/writeback-config.ts, docs/writeback.md). */
    writeback: WritebackConfigSchema.optional(),
    sinks: SinksConfigSchema.optional(), // streams also published to a broker (api/sink-config.ts, docs/rabbitmq-sink.md)
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.exports.forEach((exp, i) => {
      if (names.has(exp.name)) ctx.addIssue({ code: 'custom', path: ['exports', i, 'name'], message: `duplicate export name "${exp.name}"` });
      names.add(exp.name);
      const source = config.sources.find((s) => s.name === exp.source);
      if (source?.type !== 'odbc') {
        ctx.addIssue({
          code: 'custom',
          path: ['exports', i, 'source'],
          message: `"${exp.source}" is not an ODBC source of this config (exports read ODBC sources: ${config.sources.filter((s) => s.type === 'odbc').map((s) => s.name).join(', ') || 'none configured'})`,
        });
      }
    });
    const piped = new Set<string>();
    config.streams.forEach((entry, i) => {
      const id = `${entry.source}/${entry.stream}`;
      if (piped.has(id)) ctx.addIssue({ code: 'custom', path: ['streams', i], message: `"${id}" is configured twice` });
      piped.add(id);
      if (!config.sources.some((s) => s.name === entry.source)) {
        ctx.addIssue({ code: 'custom', path: ['streams', i, 'source'], message: `there is no source named "${entry.source}" in this config` });
      }
    });
    const seen = new Set<string>();
    config.sources.forEach((source, i) => {
      if (seen.has(source.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'name'],
          message: `duplicate source name "${source.name}"`,
        });
      }
      seen.add(source.name);
    });
  });
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;
