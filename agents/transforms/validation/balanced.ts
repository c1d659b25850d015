/**
 * The balanced-entry rule: within one group (a journal entry), debits must equal credits. Sums use
 * decimal.js so "0.10" + "0.20" is exactly "0.30". A failing group fails EVERY member, so the entry is
 * quarantined whole rather than half-posted.
 */
import { Decimal } from 'decimal.js';
import type { JsonObject, ValidationRule } from '../../api/index.ts';
import { readField } from './field-path.ts';
import { MONEY_TEXT } from './formats.ts';
import type { ValidationFailure } from './types.ts';

const Exact = Decimal.clone({ precision: 1000 });
type BalancedRule = Extract<ValidationRule, { rule: 'balanced' }>;

export interface GroupMember { index: number; group: string; data: JsonObject }

/** Failures per record index for every member of an unbalanced group. */
export function balancedFailures(rule: BalancedRule, members: readonly GroupMember[]): Map<number, ValidationFailure> {
  const groups = new Map<string, GroupMember[]>();
  for (const member of members) {
    const list = groups.get(member.group) ?? [];
    list.push(member);
    groups.set(member.group, list);
  }
  const out = new Map<number, ValidationFailure>();
  for (const [group, list] of groups) {
    let debit = new Exact(0);
    let credit = new Exact(0);
    let unreadable = 0;
    let places = 0; // totals are shown with the entry's own precision ("5.00", not "5")
    for (const { data } of list) {
      const amount = readField(data, rule.amount);
      const side = readField(data, rule.side);
      if (typeof amount !== 'string' || !MONEY_TEXT.test(amount) || (side !== rule.debit && side !== rule.credit)) {
        unreadable += 1;
        continue;
      }
      places = Math.max(places, amount.split('.')[1]?.length ?? 0);
      if (side === rule.debit) debit = debit.plus(amount);
      else credit = credit.plus(amount);
    }
    if (unreadable === 0 && debit.eq(credit)) continue;
    const why = unreadable > 0
      ? `${unreadable} of its ${list.length} lines have no readable ${rule.amount} or ${rule.side} ("${rule.debit}"/"${rule.credit}")`
      : '';
    const totals = `debits total ${debit.toFixed(places)}, credits total ${credit.toFixed(places)}`;
    for (const member of list) {
      out.set(member.index, {
        code: 'unbalanced_entry',
        path: '',
        message: `Entry ${group} does not balance: ${why === '' ? totals : `${why}; ${totals}`}. The whole entry is held back; correct it in the source system, then replay.`,
        severity: 'reject',
      });
    }
  }
  return out;
}
