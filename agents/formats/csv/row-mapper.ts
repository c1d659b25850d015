import { negateDecimal, parseDecimal, subtractDecimals } from '../decimal.ts';
import { EntryKeyer } from '../entry-key.ts';
import type { EntrySink } from '../entry-sink.ts';
import { EntryTotals } from '../entry-totals.ts';
import { FormatError } from '../format-error.ts';
import type { Entry, ParsedFile, Statement } from '../model.ts';
import { dateReader } from './date-format.ts';
import type { ColumnRef, CsvProfile } from './profile.ts';

export interface SheetRow {
  cells: string[];
  line: number;
}

interface Builder {
  statement: Statement;
  keyer: EntryKeyer;
  index: number;
  /** What finish() needs, kept as the rows go by, so a streamed statement needs no entries. */
  totals: EntryTotals;
  minDate: string;
  maxDate: string;
  ascending: boolean;
  descending: boolean;
  first: { amount: string; date: string; balance: string | undefined } | undefined;
  last: { amount: string; date: string; balance: string | undefined } | undefined;
  /** Rows that had a running balance. */
  balances: number;
}

const HEADER_SEARCH_ROWS = 60;

/**
 * Turns rows of cells (from CSV or Excel) into statements as a profile describes: finds the header
 * (below any preamble), maps columns, reads dates and amounts exactly, groups rows by account and
 * currency, and derives opening and closing balances from a running balance column.
 */
export class RowMapper {
  private readonly profile: CsvProfile;
  private readonly file: string;
  private readonly format: 'csv' | 'xlsx';
  private readonly readDate: (text: string) => string | undefined;
  private readonly reference: RegExp | undefined;
  private readonly builders = new Map<string, Builder>();
  private readonly warnings: string[] = [];
  private header: string[] | undefined;
  private columns: Map<string, number> | undefined;
  private rowsSeen = 0;
  private preambleAccount: string | undefined;
  private repeatedHeaders = 0;

  private readonly sink: EntrySink | undefined;

  /** With a sink, entries go to it as they are read and statements end up without entries. */
  constructor(profile: CsvProfile, options: { file: string; format: 'csv' | 'xlsx'; sink?: EntrySink }) {
    this.profile = profile;
    this.sink = options.sink;
    this.file = options.file;
    this.format = options.format;
    this.readDate = dateReader(profile.dateFormat);
    this.reference = profile.referencePattern === undefined ? undefined : new RegExp(profile.referencePattern);
  }

  row(row: SheetRow): void {
    this.rowsSeen += 1;
    if (this.rowsSeen <= this.profile.skipLines) return;
    const cells = row.cells.map((c) => c.trim());
    if (cells.every((c) => c === '')) return;
    if (this.columns === undefined) {
      if (!this.profile.hasHeader) this.columns = new Map();
      else {
        if (isHeader(cells, this.profile.headerSignature)) {
          this.header = cells;
          this.columns = new Map(cells.map((c, i) => [normalize(c), i] as const).reverse());
          this.checkColumns(row.line);
          return;
        }
        this.readPreamble(cells);
        if (this.rowsSeen > HEADER_SEARCH_ROWS + this.profile.skipLines) {
          throw new FormatError({ file: this.file, line: row.line }, `no header row was found for the "${this.profile.name}" profile`, {
            expected: `a row with the cells ${this.profile.headerSignature.join(', ')}`,
          });
        }
        return;
      }
    }
    if (this.header !== undefined && cells.length === this.header.length && cells.every((c, i) => c === this.header?.[i])) {
      this.repeatedHeaders += 1;
      return;
    }
    this.addRow(cells, row.line);
  }

  end(): ParsedFile {
    if (this.columns === undefined && this.profile.hasHeader) {
      throw new FormatError({ file: this.file, line: 1 }, `no header row was found for the "${this.profile.name}" profile`, {
        expected: `a row with the cells ${this.profile.headerSignature.join(', ')}`,
      });
    }
    if (this.repeatedHeaders > 0) this.warnings.push(`The header row appears ${this.repeatedHeaders} more time(s) further down; those rows were skipped.`);
    const statements = [...this.builders.values()].map((b) => this.finish(b));
    this.totals = [...this.builders.values()].map((b) => b.totals);
    if (statements.length === 0) this.warnings.push('The file has no transaction rows.');
    return { format: this.format, statements, warnings: this.warnings };
  }

  private readPreamble(cells: string[]): void {
    const label = this.profile.preambleAccountLabel;
    if (label !== undefined && normalize(cells[0] ?? '') === normalize(label) && (cells[1] ?? '') !== '') {
      this.preambleAccount = (cells[1] ?? '').replace(/\s+/g, '');
    }
  }

  private checkColumns(line: number): void {
    const c = this.profile.columns;
    const refs: ColumnRef[] = [c.bookingDate, c.valueDate, c.amount, c.debit, c.credit, c.creditDebit?.column, c.currency, c.account, c.counterparty, c.counterpartyAccount, c.reference, c.balance, ...c.remittance].filter(
      (r): r is ColumnRef => r !== undefined,
    );
    for (const ref of refs) {
      if (typeof ref === 'string' && !this.columns?.has(normalize(ref))) {
        throw new FormatError({ file: this.file, line, field: `column "${ref}"` }, `the header has no column "${ref}"`, {
          expected: `the columns of the "${this.profile.name}" profile`,
        });
      }
    }
  }

  private totals: EntryTotals[] = [];

  /** After end(), with a sink: each statement's entry totals, in the order of its statements. */
  entryTotals(): EntryTotals[] {
    return this.totals;
  }

  private readonly resolved = new Map<string, number>();

  private index(ref: ColumnRef): number {
    if (typeof ref === 'number') return ref;
    let index = this.resolved.get(ref);
    if (index === undefined) {
      index = this.columns?.get(normalize(ref)) ?? -1;
      this.resolved.set(ref, index);
    }
    return index;
  }

  private cell(cells: string[], ref: ColumnRef | undefined): string | undefined {
    if (ref === undefined) return undefined;
    const value = cells[this.index(ref)];
    return value === undefined || value === '' ? undefined : value;
  }

  private columnName(ref: ColumnRef): string {
    return typeof ref === 'string' ? ref : (this.header?.[ref] ?? `#${ref + 1}`);
  }

  private addRow(cells: string[], line: number): void {
    const { columns: c } = this.profile;
    const fail = (ref: ColumnRef, problem: string, expected: string) =>
      new FormatError({ file: this.file, line, field: `column "${this.columnName(ref)}"` }, problem, { expected });

    const rawDate = this.cell(cells, c.bookingDate) ?? '';
    const bookingDate = this.readDate(rawDate);
    if (bookingDate === undefined) throw fail(c.bookingDate, `"${rawDate.slice(0, 30)}" is not a date`, `a date written ${this.profile.dateFormat}`);
    const amount = this.amountOf(cells, fail);
    let currency = (this.cell(cells, c.currency) ?? this.profile.currency ?? '').toUpperCase();
    if (currency === '') currency = 'XXX';
    if (!/^[A-Z]{3}$/.test(currency)) throw fail(c.currency ?? 0, `"${currency}" is not a currency code`, 'an ISO 4217 code such as EUR');
    const accountId = this.cell(cells, c.account) ?? this.preambleAccount ?? this.profile.accountId ?? this.profile.name;

    const entry: Omit<Entry, 'entryKey'> = { bookingDate, amount, currency, creditDebit: amount.startsWith('-') ? 'debit' : 'credit' };
    const rawValueDate = this.cell(cells, c.valueDate);
    if (rawValueDate !== undefined) {
      const valueDate = this.readDate(rawValueDate);
      if (valueDate === undefined) throw fail(c.valueDate ?? 0, `"${rawValueDate.slice(0, 30)}" is not a date`, `a date written ${this.profile.dateFormat}`);
      entry.valueDate = valueDate;
    }
    const counterparty = this.cell(cells, c.counterparty);
    const counterpartyAccount = this.cell(cells, c.counterpartyAccount);
    const remittance = c.remittance
      .map((ref) => this.cell(cells, ref))
      .filter((t): t is string => t !== undefined)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    const reference = this.cell(cells, c.reference) ?? (this.reference === undefined ? undefined : this.reference.exec(remittance)?.[1]);
    if (counterparty !== undefined) entry.counterparty = counterparty;
    if (counterpartyAccount !== undefined) entry.counterpartyAccount = counterpartyAccount;
    if (remittance !== '') entry.remittance = remittance;
    if (reference !== undefined) entry.bankReference = reference;

    let balance: string | undefined;
    if (c.balance !== undefined) {
      const raw = this.cell(cells, c.balance);
      balance = raw === undefined ? undefined : this.decimal(raw);
      if (balance === undefined) throw fail(c.balance, `"${raw ?? ''}" is not a balance`, this.numberStyle());
    }
    const builder = this.builderFor(accountId, currency);
    const keyed = entry as Entry;
    keyed.entryKey = builder.keyer.keyFor(entry);
    this.track(builder, keyed, balance);
    if (this.sink === undefined) builder.statement.entries.push(keyed);
    else this.sink.onEntry(keyed, builder.index);
  }

  private track(b: Builder, entry: Entry, balance: string | undefined): void {
    const date = entry.bookingDate;
    if (b.last === undefined) {
      b.minDate = date;
      b.maxDate = date;
    } else {
      if (date < b.last.date) b.ascending = false;
      if (date > b.last.date) b.descending = false;
      if (date < b.minDate) b.minDate = date;
      if (date > b.maxDate) b.maxDate = date;
    }
    const point = { amount: entry.amount, date, balance };
    b.first ??= point;
    b.last = point;
    if (balance !== undefined) b.balances += 1;
    b.totals.add(entry.amount, entry.currency);
  }

  private amountOf(cells: string[], fail: (ref: ColumnRef, problem: string, expected: string) => FormatError): string {
    const c = this.profile.columns;
    if (c.amount !== undefined) {
      const raw = this.cell(cells, c.amount) ?? '';
      const value = this.decimal(raw);
      if (value === undefined) throw fail(c.amount, raw === '' ? 'the amount is empty' : `"${raw.slice(0, 30)}" is not an amount`, this.numberStyle());
      if (c.creditDebit === undefined) return value;
      const side = normalize(this.cell(cells, c.creditDebit.column) ?? '');
      const magnitude = value.startsWith('-') ? value.slice(1) : value;
      if (c.creditDebit.debit.some((d) => normalize(d) === side)) return negateDecimal(magnitude);
      if (c.creditDebit.credit.some((d) => normalize(d) === side)) return magnitude;
      throw fail(c.creditDebit.column, `"${side}" says neither debit nor credit`, `one of ${[...c.creditDebit.debit, ...c.creditDebit.credit].join(', ')}`);
    }
    const debitRef = c.debit ?? 0;
    const creditRef = c.credit ?? 0;
    // Some banks write 0,00 in the column that does not apply: that is an empty cell, not an amount.
    const nonZero = (raw: string | undefined) => (raw !== undefined && /^[+-]?0*(?:[.,]0*)?$/.test(raw.trim()) && /0/.test(raw) ? undefined : raw);
    let debitRaw = this.cell(cells, debitRef);
    let creditRaw = this.cell(cells, creditRef);
    if (debitRaw !== undefined && creditRaw !== undefined) {
      debitRaw = nonZero(debitRaw);
      creditRaw = nonZero(creditRaw) ?? (debitRaw === undefined ? creditRaw : undefined);
    }
    if ((debitRaw === undefined) === (creditRaw === undefined)) {
      throw fail(debitRef, debitRaw === undefined ? 'neither the debit nor the credit column has an amount' : 'both the debit and the credit column have an amount', 'an amount in exactly one of them');
    }
    const raw = debitRaw ?? creditRaw ?? '';
    const value = this.decimal(raw);
    if (value === undefined) throw fail(debitRaw === undefined ? creditRef : debitRef, `"${raw.slice(0, 30)}" is not an amount`, this.numberStyle());
    const magnitude = value.startsWith('-') ? value.slice(1) : value;
    return debitRaw !== undefined ? negateDecimal(magnitude) : magnitude;
  }

  /** Reads a number as the profile writes it; `12,50-` and `(12.50)` are negative. */
  private decimal(raw: string): string | undefined {
    let text = raw.trim();
    let negative = false;
    if (/^\(.*\)$/.test(text)) {
      negative = true;
      text = text.slice(1, -1);
    } else if (text.endsWith('-')) {
      negative = true;
      text = text.slice(0, -1);
    }
    const value = parseDecimal(text, { decimalSeparator: this.profile.decimalSeparator, thousandsSeparator: this.profile.thousandsSeparator });
    if (value === undefined || (negative && value.startsWith('-'))) return undefined;
    return negative ? negateDecimal(value) : value;
  }

  private numberStyle(): string {
    const { decimalSeparator: d, thousandsSeparator: t } = this.profile;
    return `a number with "${d}" as decimal separator${t === '' ? '' : ` and "${t}" between thousands`}, e.g. ${t === '' ? '' : `1${t}`}234${d}50`;
  }

  private builderFor(accountId: string, currency: string): Builder {
    const key = `${accountId}\u0000${currency}`;
    let builder = this.builders.get(key);
    if (builder === undefined) {
      builder = {
        statement: { format: this.format, accountId, currency, entries: [], warnings: [] },
        keyer: new EntryKeyer(accountId),
        index: this.builders.size,
        totals: new EntryTotals(),
        minDate: '',
        maxDate: '',
        ascending: true,
        descending: true,
        first: undefined,
        last: undefined,
        balances: 0,
      };
      if (/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(accountId)) builder.statement.iban = accountId;
      this.builders.set(key, builder);
      if (this.sink?.onStatement !== undefined) {
        const { entries: _entries, ...header } = builder.statement;
        this.sink.onStatement(header, builder.index);
      }
    }
    return builder;
  }

  private finish(builder: Builder): Statement {
    const { statement, first, last } = builder;
    const count = builder.totals.count;
    if (count > 0) {
      statement.periodStart = builder.minDate;
      statement.periodEnd = builder.maxDate;
    }
    const repeated = builder.keyer.repeatedReferenceWarning();
    if (repeated !== undefined) statement.warnings.push(repeated);
    if (builder.balances === 0 || builder.balances !== count) return statement;
    if (!builder.ascending && !builder.descending) {
      statement.warnings.push(`Account ${statement.accountId}: the rows are not in date order, so the running balance column gives no opening and closing balance.`);
      return statement;
    }
    const oldestFirst = builder.ascending && builder.descending ? this.profile.rowOrder === 'ascending' : builder.ascending;
    const oldest = oldestFirst ? first : last;
    const newest = oldestFirst ? last : first;
    if (oldest?.balance === undefined || newest?.balance === undefined) return statement;
    const opening = subtractDecimals(oldest.balance, oldest.amount);
    statement.openingBalance = { amount: opening, currency: statement.currency, date: oldest.date, kind: 'csv-running-balance' };
    statement.closingBalance = { amount: newest.balance, currency: statement.currency, date: newest.date, kind: 'csv-running-balance' };
    return statement;
  }
}

function normalize(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}

function isHeader(cells: string[], signature: string[]): boolean {
  if (signature.length === 0) return true;
  const present = new Set(cells.map(normalize));
  return signature.every((s) => present.has(normalize(s)));
}
