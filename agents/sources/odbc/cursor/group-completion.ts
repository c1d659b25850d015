/**
 * A grouped stream (`groupColumn`: the lines of one journal entry) sends each group whole: when a
 * page holds a row of a group, the group's other rows are read with it, wherever they sit in cursor
 * order (an edit that touched one line, an entry cut by the page's end). Validation then judges the
 * whole entry (debit equals credit), and the outbox drops the unchanged lines again by their version,
 * so the cloud receives what changed, under the entry's group id.
 */
import { PermanentError } from '../../../pipeline/errors.ts';
import type { Row } from '../row-reader.ts';
import { fetchRows } from '../row-reader.ts';
import { longestValueGuard, scanQuery } from '../scan-query.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { ReadContext } from '../stream-reader.ts';

/** Group values per query: an IN list every driver takes as parameters. */
const VALUES_PER_QUERY = 100;

/** The rows of the page's groups that the page does not hold, at most `maxRows` (memory stays bounded). */
export async function otherRowsOfGroups(context: ReadContext, plan: StreamPlan, page: readonly Row[], maxRows: number): Promise<Row[]> {
  if (plan.groupIndex === null) return [];
  const column = plan.table.columns[plan.groupIndex]!;
  const held = new Set(page.map((row) => row.key.join('\u0000')));
  const values = [...new Set(page.map((row) => row.texts[plan.groupIndex!]).filter((v): v is string => v !== null && v !== undefined))];
  const guard = longestValueGuard(plan.table.columns);
  const others: Row[] = [];
  for (let i = 0; i < values.length; i += VALUES_PER_QUERY) {
    const query = scanQuery({
      table: plan.table,
      dialect: context.dialect,
      order: plan.keys,
      lower: { type: 'start' },
      limit: maxRows + held.size + 1,
      extra: guard === null ? [] : [guard],
      within: { column, values: values.slice(i, i + VALUES_PER_QUERY) },
    });
    for (const row of await fetchRows({ ...context, plan }, query)) {
      if (!held.has(row.key.join('\u0000'))) others.push(row);
    }
    if (others.length > maxRows) {
      throw new PermanentError(
        'odbc_group_too_large',
        `Stream "${plan.stream}": the groups of one page of ${plan.table.displayName} (by ${column.name}) have more than ${maxRows} further rows; a group is sent whole, so it must fit in memory.`,
        { hint: `Check that ${column.name} identifies one entry (not a period or an account), or lower pageRows so fewer entries share a page.` },
      );
    }
  }
  return others;
}
