/**
 * Completeness per business day and stream (issue 11): how many records, and how much money, were
 * read, delivered and refused, so a bookkeeper can see that yesterday is complete. What still waits
 * is read − delivered − refused. Each figure changes in the transaction that changes the queue (an
 * enqueue, a settled batch, a dead letter, a replay), with one read-modify-write per (day, stream,
 * currency) touched, never per record. Money is summed exactly, as decimal strings.
 */
import { addScaled, fromScaled, toScaled } from '../formats/decimal.ts';
import { ExactSum } from './exact-sum.ts';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.ts';

export type DayMeasure = 'read' | 'delivered' | 'failed';

/** What one record adds: its day, currency and money (see record-tally.ts). */
export interface TalliedRow {
  source: string;
  stream: string;
  day: string | null;
  currency: string | null;
  amount: string | null;
}

export interface DayFigure {
  records: number;
  /** Exact decimal string; null when no record of this group carried money. */
  amount: string | null;
}

export interface DayTotal {
  day: string;
  source: string;
  stream: string;
  currency: string;
  read: DayFigure;
  delivered: DayFigure;
  failed: DayFigure;
}

interface Group {
  source: string;
  stream: string;
  day: string;
  currency: string;
  records: number;
  amount: ExactSum;
}

interface DayTotalRow {
  day: string;
  source: string;
  stream: string;
  currency: string;
  read_records: number;
  read_amount: string | null;
  delivered_records: number;
  delivered_amount: string | null;
  failed_records: number;
  failed_amount: string | null;
}

/** Adds rows up per (source, stream, day, currency). Rows captured before day totals existed (day null) are left out. */
export class DayTally {
  readonly #groups = new Map<string, Group>();

  add(row: TalliedRow): void {
    this.addValues(row.source, row.stream, row.day, row.currency, row.amount);
  }

  /** The same without an object per record (the enqueue path). */
  addValues(source: string, stream: string, day: string | null, currency: string | null, amount: string | null): void {
    if (day === null) return;
    const code = currency ?? '';
    const id = `${source}\u0000${stream}\u0000${day}\u0000${code}`;
    let group = this.#groups.get(id);
    if (group === undefined) {
      group = { source, stream, day, currency: code, records: 0, amount: new ExactSum() };
      this.#groups.set(id, group);
    }
    group.records += 1;
    if (amount !== null) group.amount.add(amount);
  }

  get groups(): Iterable<Group> {
    return this.#groups.values();
  }

  get empty(): boolean {
    return this.#groups.size === 0;
  }
}

export class DayTotals {
  readonly #db: SqliteDatabase;
  readonly #get;
  readonly #upsert: Record<DayMeasure, Statement<[string, string, string, string, number, string | null]>>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#get = db.prepare<[string, string, string, string], Record<string, string | null>>(
      `SELECT read_amount, delivered_amount, failed_amount FROM day_totals
       WHERE day = ? AND source = ? AND stream = ? AND currency = ?`,
    );
    const upsert = (m: DayMeasure) =>
      db.prepare<[string, string, string, string, number, string | null]>(
        `INSERT INTO day_totals (day, source, stream, currency, ${m}_records, ${m}_amount) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, source, stream, currency)
         DO UPDATE SET ${m}_records = ${m}_records + excluded.${m}_records, ${m}_amount = excluded.${m}_amount`,
      );
    this.#upsert = { read: upsert('read'), delivered: upsert('delivered'), failed: upsert('failed') };
  }

  /** Adds (sign 1) or takes back (sign −1, a replayed dead letter) a tally. The caller owns the transaction. */
  apply(measure: DayMeasure, tally: DayTally, sign: 1 | -1 = 1): void {
    for (const g of tally.groups) {
      const before = this.#get.get(g.day, g.source, g.stream, g.currency)?.[`${measure}_amount`] ?? null;
      let amount = before;
      const sum = g.amount.value;
      if (sum !== null) {
        const delta = sign === 1 ? sum : { units: -sum.units, scale: sum.scale };
        amount = fromScaled(addScaled(before === null ? { units: 0n, scale: 0 } : toScaled(before), delta));
      }
      this.#upsert[measure].run(g.day, g.source, g.stream, g.currency, sign * g.records, amount);
    }
  }

  /** Newest day first; `from`/`to` are inclusive YYYY-MM-DD bounds. */
  list(range: { from?: string | undefined; to?: string | undefined } = {}): DayTotal[] {
    const rows = this.#db
      .prepare<[string, string], DayTotalRow>(
        `SELECT * FROM day_totals WHERE day >= ? AND day <= ? ORDER BY day DESC, source, stream, currency`,
      )
      .all(range.from ?? '0000-00-00', range.to ?? '9999-99-99');
    return rows.map((row) => {
      const figure = (m: DayMeasure): DayFigure => ({
        records: row[`${m}_records`],
        amount: row[`${m}_amount`],
      });
      return {
        day: row.day,
        source: row.source,
        stream: row.stream,
        currency: row.currency,
        read: figure('read'),
        delivered: figure('delivered'),
        failed: figure('failed'),
      };
    });
  }
}
