import { addDecimals, compareDecimals, formatDecimalForHumans, subtractDecimals } from './decimal.ts';
import { EntryTotals } from './entry-totals.ts';
import type { CheckResult, ControlTotal, ParsedFile, Statement } from './model.ts';

/** A statement without its entries: what a streamed parse keeps. */
export type StatementHeader = Omit<Statement, 'entries'>;

/**
 * Checks a parsed file before it is sent (issue 4, item 3): every statement's opening balance plus
 * its entries must equal its closing balance, exactly, and every total the file states about itself
 * (BAI2 trailers, MT942 :90D:/:90C:) must match what was counted. A failure says what was expected,
 * what was found and the difference, in words and figures a bookkeeper can act on.
 */
export function runChecks(parsed: ParsedFile): CheckResult[] {
  return [...parsed.statements.map(checkBalance), ...(parsed.controlTotals ?? []).map(checkControlTotal)];
}

export function checkBalance(statement: Statement): CheckResult {
  return checkBalanceTotals(statement, EntryTotals.of(statement.entries));
}

/** The balance check from summed entries (a streamed statement keeps no entries, only their totals). */
export function checkBalanceTotals(statement: StatementHeader, totals: EntryTotals): CheckResult {
  const name = `balance of ${describeStatement(statement)}`;
  const { openingBalance: opening, closingBalance: closing } = statement;
  if (opening === undefined || closing === undefined) {
    const reason =
      opening === undefined && closing === undefined
        ? 'the statement states no opening or closing balance'
        : opening === undefined
          ? `the statement states only its closing balance (${money(closing?.amount ?? '0', closing?.currency ?? '')})${statement.format === 'ofx' ? ', as OFX does' : ''}, no opening balance`
          : `the statement states only its opening balance (${money(opening.amount, opening.currency)}), no closing balance`;
    return { name, passed: false, status: 'skipped', message: `Not checked: ${reason}.` };
  }
  if (opening.currency !== closing.currency) {
    return fail(name, `the opening balance is in ${opening.currency} but the closing balance in ${closing.currency}; they cannot be reconciled`);
  }
  const currency = opening.currency;
  const foreign = totals.currencies().filter((c) => c.currency !== currency);
  if (foreign.length > 0) {
    const foreignCount = foreign.reduce((n, c) => n + c.count, 0);
    const currencies = foreign.map((c) => c.currency).join(', ');
    return fail(name, `${count(foreignCount, 'entry is', 'entries are')} in ${currencies} while the balances are in ${currency}; they cannot be added up`);
  }
  const movement = totals.movement();
  const reached = addDecimals(opening.amount, movement);
  const summary = `opening ${money(opening.amount, currency)} plus ${count(totals.count, 'entry', 'entries')} (${money(movement, currency)})`;
  if (compareDecimals(reached, closing.amount) === 0) {
    return { name, passed: true, status: 'passed', message: `${summary} = closing ${money(closing.amount, currency)}.` };
  }
  const difference = subtractDecimals(closing.amount, reached);
  return fail(
    name,
    `closing balance ${money(closing.amount, currency)} expected, ${summary} add up to ${money(reached, currency)}: difference ${money(difference, currency)}`,
  );
}

export function checkControlTotal(total: ControlTotal): CheckResult {
  const problems: string[] = [];
  const facts: string[] = [];
  const unit = total.currency === undefined ? '' : ` ${total.currency}`;
  if (total.statedAmount !== undefined && total.computedAmount !== undefined) {
    if (compareDecimals(total.statedAmount, total.computedAmount) === 0) facts.push(`total ${formatDecimalForHumans(total.statedAmount)}${unit}`);
    else {
      const difference = subtractDecimals(total.statedAmount, total.computedAmount);
      problems.push(
        `total ${formatDecimalForHumans(total.statedAmount)}${unit} stated, the records add up to ${formatDecimalForHumans(total.computedAmount)}${unit}: difference ${formatDecimalForHumans(difference)}${unit}`,
      );
    }
  }
  if (total.statedCount !== undefined && total.computedCount !== undefined) {
    if (total.statedCount === total.computedCount) facts.push(`${total.statedCount} counted`);
    else problems.push(`${total.statedCount} stated, ${total.computedCount} found`);
  }
  if (problems.length > 0) return fail(total.name, problems.join('; '));
  if (facts.length === 0) return { name: total.name, passed: false, status: 'skipped', message: 'Not checked: nothing stated to compare.' };
  return { name: total.name, passed: true, status: 'passed', message: `Matches: ${facts.join(', ')}.` };
}

export function describeStatement(statement: StatementHeader): string {
  const number =
    statement.statementNumber === undefined
      ? ''
      : ` statement ${statement.statementNumber}${statement.sequenceNumber !== undefined && statement.format.startsWith('mt94') ? `/${statement.sequenceNumber}` : ''}`;
  const period = statement.periodEnd ?? statement.closingBalance?.date;
  return `account ${statement.accountId}${number}${period === undefined ? '' : ` (${period})`}`;
}

function fail(name: string, message: string): CheckResult {
  return { name, passed: false, status: 'failed', message: `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}.` };
}

function money(amount: string, currency: string): string {
  return `${formatDecimalForHumans(amount)} ${currency}`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
