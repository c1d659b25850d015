/**
 * One document stream of an ODBC source: watches a shift table and, when a shift closes, reads the
 * shift and its child rows and hands them over as ONE record in the document's lane (urgent by
 * default), with the "last closed shift" checkpoint committed in the same enqueue. Alerts (a shift
 * that does not balance, a missing Z number) are raised once the document is committed.
 */
import type { JsonObject, OdbcDocumentConfig, ShiftCloseSummary, SourceRecord } from '../../../api/index.ts';
import { isoNow } from '../../../pipeline/clock.ts';
import { AgentError } from '../../../pipeline/errors.ts';
import type { ReadResult, SourceContext } from '../../../pipeline/source.ts';
import { findZGap, laterZ } from '../../../transforms/shift-close/index.ts';
import type { Dialect } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { queryError } from '../odbc-errors.ts';
import { keyText } from '../value-convert.ts';
import type { ChildRows } from './child-rows.ts';
import { readChildRows } from './child-rows.ts';
import type { ClosedShift } from './closed-shifts.ts';
import { findClosedShift, hasShiftsBetween } from './closed-shifts.ts';
import type { DocumentState } from './document-state.ts';
import { documentStateJson, parseDocumentState, rememberShift } from './document-state.ts';
import { gapAlert, shiftLabel, unbalancedAlert } from './document-alerts.ts';
import type { DocumentAlert } from './document-alerts.ts';
import { columnAlias, readRows } from './row-values.ts';
import { buildShiftDocument } from './shift-document.ts';
import type { ChildPlan, ChildRole, ShiftPlan } from './shift-plan.ts';
import { planChild, planShift } from './shift-plan.ts';

const CHILD_ROLES: readonly ChildRole[] = ['receipts', 'lines', 'payments'];

export interface ShiftCloseReaderOptions {
  source: string;
  config: OdbcDocumentConfig;
  dialect: Dialect;
  timeZone: string;
  ctx: SourceContext;
}

interface Plans {
  shift: ShiftPlan;
  children: Partial<Record<ChildRole, ChildPlan>>;
}

export class ShiftCloseReader {
  readonly name: string;
  readonly #options: ShiftCloseReaderOptions;
  #plans: Plans | null = null;
  /** Acked state; it outlives a reconnect, the committed checkpoint seeds it. */
  #state: DocumentState | null = null;
  #nextPollAt = 0;

  constructor(options: ShiftCloseReaderOptions) {
    this.name = options.config.name;
    this.#options = options;
  }

  /** Plans the tables against the catalog (once per connection) and loads the committed position. */
  async prepare(connection: OdbcConnection): Promise<void> {
    this.#plans = await this.#plan(connection);
    if (this.#state === null) {
      const saved = this.#options.ctx.checkpoints.getCheckpoint(this.#options.source, this.name);
      this.#state = parseDocumentState(saved, this.#where(), this.#positionLength());
    }
    this.#nextPollAt = 0;
  }

  /** The next closed shift as a document, or null when none closed (or it is not time to look yet). */
  async poll(connection: OdbcConnection): Promise<ReadResult | null> {
    const { ctx, config, dialect } = this.#options;
    const plans = this.#plans;
    const from = this.#state;
    if (plans === null || from === null) throw new Error(`document ${this.name} read before prepare()`);
    const now = ctx.clock.now();
    if (now < this.#nextPollAt) return null;
    const found = await this.#query(plans.shift.table.displayName, () =>
      findClosedShift({ connection, dialect, plan: plans.shift, config: config.shift, state: from }),
    );
    if (found === null) {
      this.#nextPollAt = now + config.pollSecs * 1000;
      return null;
    }
    const built = await this.#buildDocument(connection, plans, found);
    if (built === null) return null;
    const alerts: DocumentAlert[] = [];
    const label = shiftLabel(config, found);
    if (!built.balanced) alerts.push(unbalancedAlert(this.#options.source, config, found, built.failures));
    const next: DocumentState = { ...from, lastZ: { ...from.lastZ } };
    if (found.z !== null) {
      const gap = findZGap(from.lastZ[found.register], found.z);
      if (gap !== null && !(await this.#query(plans.shift.table.displayName, () =>
        hasShiftsBetween(connection, dialect, plans.shift, found.register, gap.previous, gap.current),
      ))) {
        alerts.push(gapAlert(this.#options.source, config, found, gap));
      }
      next.lastZ[found.register] = laterZ(from.lastZ[found.register], found.z);
    }
    if (config.shift.closedWhen.type === 'closeColumnSet') Object.assign(next, rememberShift(from, found.position, config.shift.recentShifts));
    const record: SourceRecord = { stream: this.name, key: built.key, op: 'upsert', data: built.data, capturedAt: isoNow(ctx.clock) };
    let acked = false;
    return {
      stream: this.name,
      lane: config.lane,
      records: [record],
      checkpoint: documentStateJson(next),
      shiftCloses: [built.shiftClose],
      caughtUp: false,
      ack: () => {
        // Only from the state this document was read from: a late or repeated ack never moves back.
        if (acked || this.#state !== from) return;
        acked = true;
        this.#state = next;
        this.#nextPollAt = 0;
        for (const alert of alerts) this.#raise(alert);
        ctx.logger.info(
          { document: this.name, register: found.register, z: found.z, balanced: built.balanced },
          `${label} was captured as one document (${built.summary}).`,
        );
      },
    };
  }

  /** "Test connection" for this document: tables, columns, SELECT permission; one line of words. */
  async check(connection: OdbcConnection): Promise<string> {
    const { config, dialect } = this.#options;
    const plans = await this.#plan(connection);
    const latest = await this.#query(plans.shift.table.displayName, () =>
      findClosedShift({ connection, dialect, plan: plans.shift, config: config.shift, state: { recent: [], floor: null, lastZ: {} } }),
    );
    if (latest === null) {
      return `Document "${this.name}": table ${plans.shift.table.displayName} is readable; no shift is closed yet, so the receipts, lines and payments queries are checked at the first close.`;
    }
    const shiftRow = await this.#readShiftRow(connection, plans.shift, latest.key);
    if (shiftRow !== null) {
      for (const role of CHILD_ROLES) {
        const plan = plans.children[role];
        const child = config[role];
        if (plan === undefined || child === undefined) continue;
        await readChildRows({ ...this.#childRequest(connection, shiftRow.texts), plan, config: child, probeOnly: true });
      }
    }
    const children = CHILD_ROLES.filter((role) => plans.children[role] !== undefined);
    return (
      `Document "${this.name}": table ${plans.shift.table.displayName} is readable` +
      (children.length > 0 ? `, and so are its ${children.join(', ')} (tried on ${shiftLabel(config, latest)}).` : '.')
    );
  }

  async #plan(connection: OdbcConnection): Promise<Plans> {
    const { config, dialect, source } = this.#options;
    const context = { connection, dialect, source, document: config };
    const shift = await planShift(context);
    const children: Partial<Record<ChildRole, ChildPlan>> = {};
    for (const role of CHILD_ROLES) {
      const child = config[role];
      if (child !== undefined) children[role] = await planChild(context, shift, role, child);
    }
    return { shift, children };
  }

  async #buildDocument(connection: OdbcConnection, plans: Plans, found: ClosedShift) {
    const { config } = this.#options;
    const shiftRow = await this.#readShiftRow(connection, plans.shift, found.key);
    // Deleted between the two queries: look again at the next read.
    if (shiftRow === null) return null;
    const children: Partial<Record<ChildRole, ChildRows>> = {};
    for (const role of CHILD_ROLES) {
      const plan = plans.children[role];
      const child = config[role];
      if (plan === undefined || child === undefined) continue;
      children[role] = await readChildRows({ ...this.#childRequest(connection, shiftRow.texts), plan, config: child });
    }
    const shiftTexts = Object.fromEntries(plans.shift.table.columns.map((column, i) => [column.name, shiftRow.texts[i] ?? null]));
    const closedAt = plans.shift.close === null ? null : (shiftRow.data[plans.shift.close.column.name] ?? null);
    const document = buildShiftDocument({
      config,
      shift: shiftRow.data,
      shiftTexts,
      register: plans.shift.register === null ? null : found.register,
      z: found.z,
      closedAt: typeof closedAt === 'string' ? closedAt : null,
      ...children,
    });
    const key = Object.fromEntries(plans.shift.keys.map((k) => [k.column.name, keyText(shiftRow.data[k.column.name] ?? null)]));
    const totals = document.result.totals;
    const summary = [
      typeof totals.receiptCount === 'string' ? `${totals.receiptCount} receipts` : null,
      typeof totals.payments === 'string' ? `payments ${totals.payments}${config.currency === undefined ? '' : ` ${config.currency}`}` : null,
      document.result.balanced ? 'balanced' : 'NOT balanced',
    ].filter((part) => part !== null);
    const cash = totals.cash;
    const shiftClose: ShiftCloseSummary = {
      key,
      // A shift table without a register column: no register to name (found.register is a placeholder then).
      register: plans.shift.register === null ? '' : found.register,
      z: found.z,
      closedAt: typeof closedAt === 'string' ? closedAt : null,
      currency: config.currency ?? (typeof totals.currency === 'string' ? totals.currency : null),
      total: moneyText(totals.receipts) ?? moneyText(totals.payments),
      overShort: typeof cash === 'object' && cash !== null && !Array.isArray(cash) ? moneyText(cash.overShort) : null,
      balanced: document.result.balanced,
    };
    return {
      key,
      data: document.data,
      shiftClose,
      balanced: document.result.balanced,
      failures: document.result.checks.filter((check) => !check.ok).map((check) => check.message),
      summary: summary.join(', '),
    };
  }

  async #readShiftRow(connection: OdbcConnection, plan: ShiftPlan, key: string[]): Promise<{ texts: (string | null)[]; data: JsonObject } | null> {
    const { dialect, timeZone } = this.#options;
    const selects = plan.table.columns.map((column, i) => `${column.select} AS ${columnAlias(i)}`);
    const where = plan.keys.map((k) => `${k.column.compare} = ${k.column.parameter}`).join(' AND ');
    const rows = await this.#query(plan.table.displayName, () =>
      connection.query(`SELECT ${selects.join(', ')} FROM ${plan.table.from} WHERE ${where} ${dialect.limitClause(1)}`, key),
    );
    return readRows(rows, plan.table.columns, timeZone, this.#where())[0] ?? null;
  }

  #childRequest(connection: OdbcConnection, shiftTexts: (string | null)[]) {
    const { dialect, timeZone, source } = this.#options;
    return { connection, dialect, shiftTexts, timeZone, source, document: this.name };
  }

  async #query<T>(table: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof AgentError) throw error;
      throw queryError(error, { dialect: this.#options.dialect, source: this.#options.source, stream: this.name, table });
    }
  }

  #raise(alert: DocumentAlert): void {
    const { ctx } = this.#options;
    ctx.logger.warn({ document: this.name, alert: alert.code }, alert.message);
    ctx.alerts?.raiseAlert({ code: alert.code, severity: 'warning', message: alert.message });
  }

  #positionLength(): number {
    const { shift } = this.#options.config;
    return shift.keyColumns.length + (shift.closedWhen.type === 'closeColumnSet' ? 1 : 0);
  }

  #where(): string {
    return `Source "${this.#options.source}", document "${this.name}"`;
  }
}

function moneyText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
