import { TextDecoder } from 'node:util';
import { parseDecimal } from '../../decimal.ts';
import { DETECT_BYTES } from '../../detect.ts';
import { FormatError } from '../../format-error.ts';
import { makeDecoder } from '../../text-decode.ts';
import { dateReader } from '../date-format.ts';
import { CsvProfileSchema, type ColumnRef, type CsvProfileInput } from '../profile.ts';
import { CsvTokenizer, type CsvRow } from '../tokenizer.ts';
import { detectColumns, headerScore, type ColumnChoice, type ColumnLayout } from './detect-columns.ts';
import { detectDateFormat } from './detect-dates.ts';
import { detectEncoding } from './detect-encoding.ts';
import { detectNumberStyle, type DecimalSeparator } from './detect-numbers.ts';
import { foldHeader } from './header-words.ts';
import type { CsvDetection, CsvDetectionHints, DetectionAmbiguity, DetectionEvidence } from './detection.ts';

const DELIMITERS = [';', ',', '\t', '|'] as const;
/** The header is looked for in the first rows only: a preamble is a few lines of account details. */
const HEADER_SEARCH_ROWS = 60;
/** Data rows looked at: enough to see a day above 12 and a negative amount, few enough to stay fast. */
const SAMPLE_ROWS = 400;
const PREAMBLE_ACCOUNT_LABELS = new Set(['iban', 'konto', 'kontonummer', 'account', 'account number', 'account no', 'rachunek', 'numer rachunku', 'nr rachunku', 'saskaita', 'saskaitos nr', 'compte', 'numero de compte', 'cuenta', 'conto', 'rekening', 'rekeningnummer', 'tili', 'tilinumero', 'kontonr']);
const ISO_CURRENCIES = new Set(['EUR', 'USD', 'GBP', 'CHF', 'PLN', 'SEK', 'DKK', 'NOK', 'CZK', 'HUF', 'RON', 'BGN', 'ISK', 'CAD', 'AUD', 'JPY']);

interface Candidate {
  delimiter: string;
  rows: CsvRow[];
  headerAt: number;
  score: number;
}

/**
 * Proposes a CSV profile for a bank export no profile knows, from the file's first 64 KB: encoding,
 * delimiter, the header (below any preamble), which column is what, how amounts and dates are written
 * and which way amounts go. Every decision carries its evidence; a question the head cannot answer
 * (is 01/02 January or February?) is an ambiguity with the option that settles it, never a guess.
 * Linear in the head: each delimiter tokenizes it once. Throws a FormatError (file, line, field)
 * when the file has no header with a date and an amount, or a cell no reading accepts.
 */
export function detectCsvLayout(bytes: Uint8Array, options: { file: string; name?: string; hints?: CsvDetectionHints; complete?: boolean }): CsvDetection {
  const { file } = options;
  const hints = options.hints ?? {};
  const head = bytes.subarray(0, DETECT_BYTES);
  // Whether the bytes are the whole file (the last line is then whole too); a caller holding only the head says.
  const complete = options.complete ?? bytes.length < DETECT_BYTES;
  const evidence: DetectionEvidence[] = [];
  const ambiguities: DetectionAmbiguity[] = [];
  const warnings: string[] = [];

  const encodingGuess = hints.encoding === undefined ? detectEncoding(head) : { encoding: makeDecoder(hints.encoding, file).encoding, bom: false, reason: 'as given', rivals: [] };
  // A profile's "auto" is BOM, then strict UTF-8, then the fallback code page, decided on the whole file.
  const profileEncoding = encodingGuess.ascii === true ? 'auto' : encodingGuess.encoding;
  evidence.push({ field: 'encoding', value: profileEncoding, reason: encodingGuess.reason, certainty: encodingGuess.rivals.length === 0 ? 'certain' : 'likely' });
  if (encodingGuess.rivals.length > 0) {
    ambiguities.push({
      field: 'encoding',
      readings: [encodingGuess.encoding, ...encodingGuess.rivals],
      reason: 'these code pages read the accented letters of the head differently and equally well',
      settle: [`--encoding ${encodingGuess.encoding}`, 'or the profile key "encoding"'],
    });
  }
  let text = new TextDecoder(encodingGuess.encoding).decode(head, { stream: !complete }).replace(/^\uFEFF/, '');
  // A NUL byte is named as such (the tokenizer says where), not as "no header found".
  if (text.includes('\0')) new CsvTokenizer({ delimiter: ',', file }).push(text.slice(0, text.indexOf('\0') + 1));
  if (!complete) text = text.slice(0, Math.max(text.lastIndexOf('\n'), 0));

  const candidate = bestCandidate(text, file, complete, hints.delimiter);
  const rows = candidate.rows;
  const header = (rows[candidate.headerAt]?.cells ?? []).map((c) => c.trim());
  const headerLine = rows[candidate.headerAt]?.line ?? 1;
  const preamble = rows.slice(0, candidate.headerAt).filter((r) => r.cells.some((c) => c.trim() !== ''));
  // Data: the rows below the header, without empty rows and without the header repeated (some exports repeat it per page).
  const isHeaderAgain = (r: CsvRow) => r.cells.length === header.length && r.cells.every((c, i) => c.trim() === header[i]);
  const data = rows.slice(candidate.headerAt + 1).filter((r) => r.cells.some((c) => c.trim() !== '') && !isHeaderAgain(r)).slice(0, SAMPLE_ROWS);
  const delimiterName = candidate.delimiter === '\t' ? 'tab' : `"${candidate.delimiter}"`;
  evidence.push({ field: 'delimiter', value: candidate.delimiter, reason: `${delimiterName} splits the header into ${header.length} cells and ${candidate.score} of the rows below into as many`, certainty: 'certain', line: headerLine });
  const quoted = /(^|[;,\t|])"/m.test(text);
  evidence.push({ field: 'quote', value: '"', reason: quoted ? 'cells are quoted with "' : 'no cell is quoted (the standard " is kept)', certainty: 'certain' });
  evidence.push({ field: 'header', value: header.join(candidate.delimiter), reason: preamble.length === 0 ? 'the first line' : `below ${preamble.length} preamble line(s) of account details`, certainty: 'certain', line: headerLine });

  const layout = detectColumns(header, data.map((r) => r.cells));
  const byField = (field: ColumnChoice['field']) => layout.choices.find((c) => c.field === field);
  for (const choice of layout.choices) evidence.push({ field: `columns.${choice.field}`, value: choice.header === '' ? `#${choice.index + 1}` : choice.header, reason: choice.reason, certainty: 'certain', line: headerLine });
  if (layout.unused.length > 0) warnings.push(`${file}, line ${headerLine}: column(s) not used: ${layout.unused.map((u) => `"${u}"`).join(', ')}.`);
  const bookingDate = byField('bookingDate') ?? byField('valueDate');
  const amount = byField('amount');
  const debit = byField('debit');
  const credit = byField('credit');
  if (bookingDate === undefined || (amount === undefined && (debit === undefined || credit === undefined))) {
    throw new FormatError({ file, line: headerLine, field: 'header' }, `the header names no ${bookingDate === undefined ? 'date column whose cells are dates' : 'amount column (or debit and credit columns) whose cells are numbers'}`, {
      expected: 'a header with a date and an amount (or debit and credit) column',
      hint: 'Write a CSV profile for this export (see docs/bank-csv.md) and pass it with --profile.',
    });
  }

  // Numbers: every cell of the money columns, as written.
  const moneyColumns = [amount, amount === undefined ? debit : undefined, amount === undefined ? credit : undefined, byField('balance')].filter((c): c is ColumnChoice => c !== undefined);
  const moneyCells = moneyColumns.flatMap((c) => data.map((r) => (r.cells[c.index] ?? '').trim()).filter((v) => v !== ''));
  const numbers = detectNumberStyle(moneyCells, hints.decimalSeparator);
  const number = numbers.readings[0] ?? { decimalSeparator: '.' as DecimalSeparator, thousandsSeparator: '' as const };
  evidence.push({ field: 'decimalSeparator', value: number.decimalSeparator, reason: numbers.reason, certainty: numbers.readings.length === 1 ? 'certain' : 'weak' });
  if (numbers.readings.length > 1) {
    ambiguities.push({
      field: 'decimalSeparator',
      readings: numbers.readings.map((r) => `decimal "${r.decimalSeparator}"${r.thousandsSeparator === '' ? '' : `, thousands "${r.thousandsSeparator}"`}`),
      reason: numbers.reason,
      settle: numbers.readings.map((r) => `--decimal-separator "${r.decimalSeparator}"`).concat(['or the profile keys "decimalSeparator" and "thousandsSeparator"']),
    });
  } else {
    for (const c of moneyColumns) {
      for (const r of data) {
        const raw = (r.cells[c.index] ?? '').trim().replace(/^\((.*)\)$/, '-$1').replace(/^(.*[^-])-$/, '-$1');
        if (raw !== '' && parseDecimal(raw, number) === undefined) {
          throw new FormatError({ file, line: r.line, field: `column "${c.header}"` }, `"${raw.slice(0, 30)}" is not a number written like the other amounts`, {
            expected: `a number with "${number.decimalSeparator}" before the decimals${number.thousandsSeparator === '' ? '' : ` and "${number.thousandsSeparator}" between thousands`}`,
          });
        }
      }
    }
  }

  // Dates: the booking and value date columns together.
  const dateColumns = [bookingDate, bookingDate.field === 'bookingDate' ? byField('valueDate') : undefined].filter((c): c is ColumnChoice => c !== undefined);
  const dateCells = dateColumns.flatMap((c) => data.map((r) => (r.cells[c.index] ?? '').trim()));
  const dates = detectDateFormat(dateCells, hints.dateFormat);
  if (dates.readings.length === 0) {
    const at = data.find((r) => dateColumns.some((c) => (r.cells[c.index] ?? '').trim() === dates.unreadable)) ?? data[0];
    const column = dateColumns.find((c) => (at?.cells[c.index] ?? '').trim() === dates.unreadable) ?? bookingDate;
    throw new FormatError({ file, line: at?.line ?? headerLine, field: `column "${column.header}"` }, dates.reason, { expected: 'dates written the same way on every row' });
  }
  const dateFormat = dates.readings[0] ?? 'YYYY-MM-DD';
  evidence.push({ field: 'dateFormat', value: dateFormat, reason: dates.reason, certainty: dates.readings.length === 1 ? 'certain' : 'weak' });
  if (dates.readings.length > 1) {
    ambiguities.push({ field: 'dateFormat', readings: dates.readings, reason: dates.reason, settle: dates.readings.map((r) => `--date-format ${r}`).concat(['or the profile key "dateFormat"']) });
  } else if (hints.dateFormat !== undefined) {
    const read = dateReader(dateFormat);
    for (const c of dateColumns) {
      const bad = data.find((r) => (r.cells[c.index] ?? '').trim() !== '' && read(r.cells[c.index] ?? '') === undefined);
      if (bad !== undefined) throw new FormatError({ file, line: bad.line, field: `column "${c.header}"` }, `"${(bad.cells[c.index] ?? '').trim().slice(0, 30)}" is not a date written ${dateFormat}`, { expected: `a date written ${dateFormat}` });
    }
  }

  // Which way amounts go.
  const indicator = byField('creditDebit');
  if (amount !== undefined && indicator === undefined) {
    const signed = data.some((r) => /^\s*-|-\s*$|^\s*\(/.test(r.cells[amount.index] ?? ''));
    if (!signed) warnings.push(`${file}, line ${headerLine}, field column "${amount.header}": every amount in the first rows is positive; if debits are written without a sign, the profile needs a debit/credit column (columns.creditDebit).`);
    evidence.push({ field: 'sign', value: signed ? 'signed amounts' : 'no negative amount', reason: signed ? `"${amount.header}" holds negative amounts for debits` : `every "${amount.header}" in the head is positive: if debits are written unsigned, the file needs a debit/credit column`, certainty: signed ? 'certain' : 'likely' });
  } else if (amount === undefined) {
    evidence.push({ field: 'sign', value: 'debit and credit columns', reason: `"${debit?.header ?? ''}" is paid out (its numbers become negative), "${credit?.header ?? ''}" paid in`, certainty: 'certain' });
  }

  // Currency: a column, a header, the preamble, or what was given.
  const currencyColumn = byField('currency');
  const preambleCurrency = preamble.flatMap((r) => r.cells.map((c) => c.trim())).find((c) => ISO_CURRENCIES.has(c));
  let currency: string | undefined;
  if (currencyColumn === undefined) {
    currency = hints.currency ?? layout.headerCurrency?.currency ?? preambleCurrency;
    if (currency !== undefined) {
      const why = hints.currency !== undefined ? 'as given' : layout.headerCurrency !== undefined ? `named in the header "${layout.headerCurrency.header}"` : 'named in the preamble';
      evidence.push({ field: 'currency', value: currency, reason: why, certainty: 'certain' });
    } else {
      ambiguities.push({ field: 'currency', readings: [], reason: 'the file names no currency (no currency column, none in a header or the preamble)', settle: ['--currency EUR (the code the account is kept in)', 'or the profile key "currency"'] });
    }
  }

  // The account: a column, or a preamble line such as "IBAN;DE89…".
  let preambleAccountLabel: string | undefined;
  if (byField('account') === undefined) {
    const row = preamble.find((r) => PREAMBLE_ACCOUNT_LABELS.has(foldHeader(r.cells[0] ?? '')) && (r.cells[1] ?? '').trim() !== '');
    if (row !== undefined) {
      preambleAccountLabel = (row.cells[0] ?? '').trim();
      evidence.push({ field: 'preambleAccountLabel', value: preambleAccountLabel, reason: `the preamble names the account: "${(row.cells[1] ?? '').trim()}"`, certainty: 'certain', line: row.line });
    } else warnings.push(`${file}: no account column or preamble line names the account; the entries are filed under the profile name.`);
  }

  const profile = CsvProfileSchema.parse(buildProfile({ name: options.name ?? 'detected', file, header, layout, delimiter: candidate.delimiter, encoding: profileEncoding, number, dateFormat, currency, preambleAccountLabel }));
  const penalty = evidence.reduce((sum, e) => sum + (e.certainty === 'likely' ? 0.05 : e.certainty === 'weak' ? 0.15 : 0), 0) + ambiguities.length * 0.25;
  const confidence = Math.max(0, Math.round((1 - penalty) * 100) / 100);
  return { profile, confidence, evidence, ambiguities, warnings };
}

/** The delimiter whose header names the most known fields, with the most rows below of the header's width. */
function bestCandidate(text: string, file: string, complete: boolean, hint: string | undefined): Candidate {
  let best: Candidate | undefined;
  let bestTotal = 0;
  let structural: FormatError | undefined;
  for (const delimiter of hint === undefined ? DELIMITERS : [hint]) {
    let rows: CsvRow[];
    try {
      const tokenizer = new CsvTokenizer({ delimiter, file });
      rows = tokenizer.push(text);
      if (complete) rows.push(...tokenizer.end());
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      structural ??= error;
      continue;
    }
    for (const [at, row] of rows.slice(0, HEADER_SEARCH_ROWS).entries()) {
      const known = headerScore(row.cells);
      if (known < 2) continue;
      const width = row.cells.length;
      // Rows of the header's width (a trailing empty cell allowed): the data, not the preamble.
      const fitting = rows.slice(at + 1, at + 1 + SAMPLE_ROWS).filter((r) => r.cells.length === width || (r.cells.length === width + 1 && r.cells[width]?.trim() === '')).length;
      const total = known * 1000 + fitting;
      if (total > bestTotal) {
        best = { delimiter, rows, headerAt: at, score: fitting };
        bestTotal = total;
      }
      break;
    }
  }
  if (best === undefined) {
    if (structural !== undefined) throw structural;
    const firstLine = text.split(/\r\n|\r|\n/).find((l) => l.trim() !== '') ?? '';
    throw new FormatError({ file, line: 1, field: 'header' }, `no header row naming a date and an amount was found in the first ${HEADER_SEARCH_ROWS} lines (first line: "${firstLine.slice(0, 80)}")`, {
      expected: 'a header row such as "Date;Description;Amount" in one of the languages the agent knows, separated by ; , tab or |',
      hint: 'Write a CSV profile for this export (delimiter, date format, columns) and pass it with --profile.',
    });
  }
  return best;
}

interface ProfileParts {
  name: string;
  file: string;
  header: string[];
  layout: ColumnLayout;
  delimiter: string;
  encoding: string;
  number: { decimalSeparator: DecimalSeparator; thousandsSeparator: '' | '.' | ',' | "'" | ' ' };
  dateFormat: string;
  currency: string | undefined;
  preambleAccountLabel: string | undefined;
}

/** Columns by their header text, or by position when the header is empty or names the column twice. */
function buildProfile(p: ProfileParts): CsvProfileInput {
  const folded = p.header.map((h) => h.toLowerCase());
  const ref = (c: ColumnChoice): ColumnRef => (c.header === '' || folded.filter((h) => h === c.header.toLowerCase()).length > 1 ? c.index : c.header);
  const one = (field: ColumnChoice['field']) => {
    const c = p.layout.choices.find((x) => x.field === field);
    return c === undefined ? undefined : ref(c);
  };
  const columns: Record<string, unknown> = { bookingDate: one('bookingDate') ?? one('valueDate') };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) columns[key] = value;
  };
  if (one('bookingDate') !== undefined) set('valueDate', one('valueDate'));
  if (one('amount') !== undefined) set('amount', one('amount'));
  else {
    set('debit', one('debit'));
    set('credit', one('credit'));
  }
  const indicator = one('creditDebit');
  if (indicator !== undefined && p.layout.indicator !== undefined && one('amount') !== undefined) set('creditDebit', { column: indicator, ...p.layout.indicator });
  for (const key of ['currency', 'account', 'counterparty', 'counterpartyAccount', 'reference', 'balance'] as const) set(key, one(key));
  columns['remittance'] = p.layout.choices.filter((c) => c.field === 'remittance').map(ref);
  const used = p.layout.choices.map(ref).filter((r): r is string => typeof r === 'string');
  const profile: CsvProfileInput = {
    name: p.name,
    description: `Detected from ${p.file}`,
    delimiter: p.delimiter as CsvProfileInput['delimiter'],
    encoding: p.encoding,
    decimalSeparator: p.number.decimalSeparator,
    thousandsSeparator: p.number.thousandsSeparator,
    dateFormat: p.dateFormat,
    headerSignature: [...new Set(used)],
    columns: columns as CsvProfileInput['columns'],
  };
  if (p.currency !== undefined) profile.currency = p.currency;
  if (p.preambleAccountLabel !== undefined) profile.preambleAccountLabel = p.preambleAccountLabel;
  return profile;
}

