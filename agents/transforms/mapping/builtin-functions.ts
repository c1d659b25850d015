/**
 * JSONata's built-in functions as the money checker sees them. A name in none of these lists (and
 * not a mapping helper) is refused: the checker does not let a mapping call what it cannot follow.
 */

/** Turn text into a float or do float arithmetic: refused when an argument may be money. */
export const FLOAT_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['sum', '$decimalSum'],
  ['average', '$decimalSum and $decimalDiv'],
  ['max', '$decimalCompare'],
  ['min', '$decimalCompare'],
  ['number', 'the decimal helpers on the text itself'],
  ['floor', "$round(x, 0, 'HALF_UP') or $decimalSub"],
  ['ceil', "$round(x, 0, 'HALF_UP') or $decimalAdd"],
  ['abs', '$decimalAbs'],
  ['sqrt', 'the decimal helpers'],
  ['power', '$decimalMul'],
  ['formatNumber', '$round (money is already text)'],
  ['formatBase', 'the text itself'],
  ['formatInteger', 'the text itself'],
  ['parseInteger', 'the text itself'],
]);

/** Escapes: evaluate text the checker never saw. Refused in configured mappings whatever their arguments. */
export const ESCAPE_FUNCTIONS: ReadonlySet<string> = new Set(['eval']);

/** Results that carry no money whatever the arguments (counts, flags, types, names, clocks). */
export const PLAIN_RESULT_FUNCTIONS: ReadonlySet<string> = new Set([
  'count',
  'length',
  'exists',
  'boolean',
  'not',
  'type',
  'contains',
  'now',
  'millis',
  'random',
  'toMillis',
  'fromMillis',
]);

/** Results built from the arguments (text, lists, objects): as much money as the arguments hold. */
export const PASS_THROUGH_FUNCTIONS: ReadonlySet<string> = new Set([
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'lowercase',
  'uppercase',
  'trim',
  'pad',
  'match',
  'split',
  'join',
  'base64encode',
  'base64decode',
  'encodeUrlComponent',
  'encodeUrl',
  'decodeUrlComponent',
  'decodeUrl',
  'zip',
  // Keys can be computed from money (`{total: 1}`), so the names carry what the keys carried.
  'keys',
  'lookup',
  'append',
  'spread',
  'merge',
  'reverse',
  'shuffle',
  'distinct',
  'clone',
  'error',
  'assert',
]);

/** Functions that call a function argument: the checker follows the call with the right arguments. */
export const HIGHER_ORDER_FUNCTIONS: ReadonlySet<string> = new Set(['map', 'filter', 'single', 'reduce', 'sort', 'sift', 'each', 'replace']);

export function isKnownBuiltin(name: string): boolean {
  return (
    FLOAT_FUNCTIONS.has(name) ||
    ESCAPE_FUNCTIONS.has(name) ||
    PLAIN_RESULT_FUNCTIONS.has(name) ||
    PASS_THROUGH_FUNCTIONS.has(name) ||
    HIGHER_ORDER_FUNCTIONS.has(name)
  );
}
