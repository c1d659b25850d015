import { describe, expect, it } from 'vitest';
import type { MappingInputFields } from '../../api/mapping-config.ts';
import { checkExpression, checkMapping, type RefusalCode } from './money-checker.ts';

const input: MappingInputFields = {
  total: 'money',
  net: 'money',
  qty: 'integer',
  name: 'text',
  day: 'date',
  lines: { amount: 'money', qty: 'integer', sku: 'text' },
};

// Issue 13's listed cases first (direct, through a variable, inside a lambda in $map, $sum of a
// path), then the ways around them this checker knows about. [expression, code, money named]
const MUST_REFUSE: Array<[string, RefusalCode, string?]> = [
  ['total * 1.2', 'money_arithmetic', 'total'],
  ['($x := total; $x * 1.2)', 'money_arithmetic', 'total'],
  ['$map(lines, function($l){ $l.amount * 2 })', 'money_arithmetic', 'lines.amount'],
  ['$sum(lines.amount)', 'money_function', 'lines.amount'],
  ['total + net', 'money_arithmetic', 'total'],
  ['total - 1', 'money_arithmetic', 'total'],
  ['total / 2', 'money_arithmetic', 'total'],
  ['total % 2', 'money_arithmetic', 'total'],
  ['-total', 'money_arithmetic', 'total'],
  ['$number(total)', 'money_function', 'total'],
  ['$average(lines.amount)', 'money_function', 'lines.amount'],
  ['$max(lines.amount)', 'money_function', 'lines.amount'],
  ['$floor(total)', 'money_function', 'total'],
  ['$abs(net)', 'money_function', 'net'],
  ['$power(total, 2)', 'money_function', 'total'],
  ["$formatNumber(total, '#,##0.00')", 'money_function', 'total'],
  ['$formatInteger(total, "w")', 'money_function', 'total'],
  ['total > 0', 'money_comparison', 'total'],
  ['total = "0.00"', 'money_comparison', 'total'],
  ['lines[amount > 100].sku', 'money_comparison', 'lines.amount'],
  ['lines^(amount).sku', 'money_comparison', 'lines.amount'],
  ['$sort(lines, function($a, $b){ $a.amount > $b.amount })', 'money_comparison', 'lines.amount'],
  // laundering: through text, objects, arrays, chains, helpers' results, function variables
  ['$number($string(total))', 'money_function', 'total'],
  ['$substring(total, 0, 3) * 1', 'money_arithmetic', 'total'],
  ['("0" & total) * 1', 'money_arithmetic', 'total'],
  ['{"a": total}.a * 2', 'money_arithmetic', 'total'],
  ['[total, net][0] * 2', 'money_arithmetic', 'total'],
  ['$lookup($, "total") * 2', 'money_arithmetic', 'total'],
  ['$$.total * 2', 'money_arithmetic', 'total'],
  ['total ~> $number', 'money_function', 'total'],
  ['total ~> $number()', 'money_function', 'total'],
  ['$decimalAdd(total, net) * 2', 'money_arithmetic', 'the result of $decimalAdd'],
  ['$round(total, 2) + 0', 'money_arithmetic', 'the result of $round'],
  ['($f := $number; $f(total))', 'money_function', 'total'],
  ['$map(lines.amount, $number)', 'money_function', 'lines.amount'],
  ['$map(lines, function($l){ $number($l.amount) })', 'money_function', 'lines.amount'],
  ['$reduce(lines.amount, function($a, $b){ $a + $b })', 'money_arithmetic', 'lines.amount'],
  ['$reduce(lines, function($acc, $l){ $acc + $number($l.qty) }, total)', 'money_arithmetic', 'total'],
  ['$each($, function($v){ $v * 2 })', 'money_arithmetic', 'total'],
  ['($g := function(){ total }; $g() * 2)', 'money_arithmetic', 'total'],
  ['($f := function($n, $d){ $d = 0 ? $f(total, 1) : $n * 2 }; $f(1, 0))', 'money_arithmetic', 'total'],
  ['($f := function($n){ $n = 0 ? 0 : $f($n - 1) }; $f(total))', 'money_comparison', 'total'],
  ['lines@$l.($l.amount * 2)', 'money_arithmetic', 'lines.amount'],
  ['$sum(**.amount)', 'money_function'],
  ['$sum(*.qty)', 'money_function'],
  ['$number($keys({total: 1}))', 'money_function', 'total'],
  ['total in ["1.50", "2.00"]', 'money_comparison', 'total'],
  ['$sort(lines.amount)', 'money_comparison', 'lines.amount'],
  ['$map(lines.amount, function($a){ $a ~> $number })', 'money_function', 'lines.amount'],
  // escapes and flows the checker cannot follow
  ['$eval("total * 1.2")', 'escape'],
  ['$eval(name)', 'escape'],
  ['$function(total)', 'unknown_function'],
  ['$sum2(total)', 'unknown_function'],
  ['$round := function($x){ $x }', 'rebinds_function'],
  ['($number := function($x){ $x }; $number(total))', 'rebinds_function'],
  ['$decimalMul(?, "1.2")', 'cannot_follow'],
  ['$ ~> | lines | {"sku": "x"} |', 'cannot_follow'],
  ['($fs := [$number, $string]; $fs[0](total))', 'cannot_follow'],
  ['(name = "a" ? $number : $string)(total)', 'cannot_follow'],
  ['price * 2', 'undeclared_field'],
  ['lines.price', 'undeclared_field'],
  ['total *', 'syntax'],
];

const MUST_ACCEPT: string[] = [
  'total',
  'name',
  '$decimalMul(total, "1.2")',
  '$decimalAdd(total, net)',
  '$decimalSub(total, net)',
  '$decimalDiv(total, "3", 2)',
  "$round($decimalMul(net, \"0.2\"), 2, 'HALF_EVEN')",
  "$round(total, 0, 'HALF_UP')",
  '$decimalSum(lines.amount)',
  '$decimalSum($map(lines, function($l){ $decimalMul($l.amount, $l.qty) }))',
  '$reduce(lines.amount, function($a, $b){ $decimalAdd($a, $b) }, "0")',
  '$decimalGt(total, "0") ? "debit" : "credit"',
  '$filter(lines, function($l){ $decimalGte($l.amount, "100") }).sku',
  '$number(qty) * 2',
  '$sum(lines.qty)',
  '$sum($map(lines.qty, $number))',
  'lines[$number(qty) > 1].sku',
  'lines^(qty).sku',
  '$count(lines)',
  '$length(name) > 3',
  'name & " " & total',
  '$string(total)',
  '$uppercase(name)',
  '$exists(total) ? total : "0.00"',
  '{"amount": total, "who": name}',
  '{"a": qty}.a',
  'lines.{"sku": sku, "amount": $decimalMul(amount, qty)}',
  '$map(lines, function($l, $i){ $i + 1 })',
  '($rate := "0.19"; $round($decimalMul(net, $rate), 2))',
  '($vat := function($n){ $round($decimalMul($n, "0.2"), 2) }; $vat(net))',
  '($fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(5))',
  '$key.id',
  'day',
  '$substring(day, 0, 4)',
  '$replace(name, /a/, function($m){ $uppercase($m.match) })',
  '$sort(lines.qty)',
  '$sort(lines, function($a, $b){ $decimalGt($a.amount, $b.amount) }).sku',
  'name in ["a", "b"]',
  '$keys({"a": qty})',
  '$map(lines, $decimalAbs)',
];

describe('money checker', () => {
  it.each(MUST_REFUSE)('refuses %s (%s)', (expression, code, money) => {
    const refusal = checkExpression(expression, input, 'target');
    expect(refusal?.code).toBe(code);
    if (money !== undefined) expect(refusal?.money).toBe(money);
    // The message names the target field and quotes the expression.
    expect(refusal?.message).toContain('Field "target"');
    expect(refusal?.message).toContain(JSON.stringify(expression));
  });

  it.each(MUST_ACCEPT.map((e) => [e]))('accepts %s', (expression) => {
    expect(checkExpression(expression, input, 'target')?.message).toBeUndefined();
  });

  it('checks a whole mapping field by field and names each refused field', () => {
    const refusals = checkMapping({
      input,
      fields: {
        gross: { expr: 'total * 1.2', type: 'money', required: false },
        label: { expr: 'name', type: 'text', required: false },
        lines: { expr: '$sum(lines.amount)', type: 'money', required: false },
      },
    });
    expect(refusals.map((r) => [r.field, r.code, r.money])).toEqual([
      ['gross', 'money_arithmetic', 'total'],
      ['lines', 'money_function', 'lines.amount'],
    ]);
    expect(refusals[0]?.message).toBe('Field "gross": "total * 1.2" (at character 7): "*" is floating-point arithmetic on money ("total"): use $decimalMul.');
  });

  it('refuses an expression too tangled to follow instead of running out of time', () => {
    // Each level calls the next twice: 2^30 call sites if followed naively.
    const levels = Array.from({ length: 30 }, (_, i) => `$f${i + 1} := function($x){ $f${i}($f${i}($x)) }`).join('; ');
    const expression = `($f0 := function($x){ $x }; ${levels}; $f30(qty))`;
    const started = Date.now();
    const refusal = checkExpression(expression, input, 'deep');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(refusal?.code).toBe('cannot_follow');
  });
});
