import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkShiftClose, describeZGap, findZGap, formatMoney, laterZ, parseAmount, roundAmount } from './index.ts';
import type { LineFigure, PaymentFigure, ReceiptFigure } from './index.ts';

/** Cents (bigint) → the text a NUMERIC(15,2) column prints. */
function cents(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

describe('amounts', () => {
  it('reads database text exactly, including exponent forms DOUBLE columns print', () => {
    expect(parseAmount('1214.10')).toBe('1214.10');
    expect(parseAmount('-0.01')).toBe('-0.01');
    expect(parseAmount('1e-05')).toBe('0.00001');
    expect(parseAmount('1.5E+3')).toBe('1500');
    expect(parseAmount('-2.25e1')).toBe('-22.5');
    expect(parseAmount('13.049999999999999')).toBe('13.049999999999999');
    expect(parseAmount('99999999999999999999999.99')).toBe('99999999999999999999999.99');
    for (const bad of [null, undefined, '', 'NaN', 'Infinity', '12,50', 'abc']) expect(parseAmount(bad)).toBeUndefined();
  });

  it('rounds half away from zero, the way tills round cents', () => {
    expect(roundAmount('13.049999999999999', 2)).toBe('13.05');
    expect(roundAmount('2.345', 2)).toBe('2.35');
    expect(roundAmount('-2.345', 2)).toBe('-2.35');
    expect(roundAmount('2.344', 2)).toBe('2.34');
    expect(roundAmount('7', 2)).toBe('7.00');
    expect(roundAmount('0.004', 2)).toBe('0.00');
  });

  it('prints amounts for people', () => {
    expect(formatMoney('-1234.5', 'EUR')).toBe('-1,234.50 EUR');
    expect(formatMoney('10', undefined)).toBe('10.00');
  });
});

describe('tenders vs receipts', () => {
  it('says how much is missing, in words and figures', () => {
    const result = checkShiftClose(
      {
        receipts: [
          { id: 'R1', total: '1000.00' },
          { id: 'R2', total: '214.10' },
        ],
        payments: [
          { receipt: 'R1', tender: 'cash', amount: '1000.00' },
          { receipt: 'R2', tender: 'card', amount: '204.10' },
        ],
      },
      { currency: 'EUR' },
    );
    expect(result.balanced).toBe(false);
    const check = result.checks.find((c) => c.name === 'tenders_vs_receipts')!;
    expect(check.ok).toBe(false);
    expect(check.message).toBe('Payments 1,204.10 EUR, receipts 1,214.10 EUR: 10.00 EUR missing.');
    expect(check.figures).toEqual({ payments: '1204.10', receipts: '1214.10', difference: '-10.00' });
    expect(result.totals).toMatchObject({ receipts: '1214.10', payments: '1204.10', tenders: { card: '204.10', cash: '1000.00' } });
    // The cloud takes no JSON numbers, counts included.
    expect(result.totals).toMatchObject({ receiptCount: '2', paymentCount: '2' });
  });

  it('reports money paid beyond the receipts as too much', () => {
    const result = checkShiftClose({
      receipts: [{ id: 'R1', total: '5.00' }],
      payments: [{ tender: 'cash', amount: '7.50' }],
    });
    expect(result.checks[0]!.message).toBe('Payments 7.50, receipts 5.00: 2.50 too much.');
  });
});

describe('lines vs receipts', () => {
  it('names each receipt whose lines do not add up, and lines of receipts outside the shift', () => {
    const result = checkShiftClose(
      {
        receipts: [
          { id: '84121', total: '18.40' },
          { id: '84122', total: '3.00' },
          { id: '84123', total: '0.00' },
        ],
        lines: [
          { receipt: '84121', total: '10.00' },
          { receipt: '84121', total: '7.40' },
          { receipt: '84122', total: '1.50' },
          { receipt: '84122', total: '1.50' },
          { receipt: '99999', total: '4.00' },
        ],
      },
      { currency: 'EUR' },
    );
    const check = result.checks[0]!;
    expect(check.name).toBe('lines_vs_receipts');
    expect(check.ok).toBe(false);
    expect(check.message).toBe(
      '1 receipt does not match its lines: receipt 84121: lines 17.40 EUR, receipt 18.40 EUR (1.00 EUR missing). ' +
        'lines of receipt 99999, which is not in this shift (4.00 EUR).',
    );
    expect(check.figures).toEqual({ lines: '20.40', receipts: '21.40', difference: '-1.00' });
  });

  it('compares lines with a separate lines total (net lines against a gross receipt)', () => {
    const result = checkShiftClose({
      receipts: [{ id: 'A', total: '11.90', linesTotal: '10.00' }],
      lines: [{ receipt: 'A', total: '10.00' }],
      payments: [{ receipt: 'A', tender: 'cash', amount: '11.90' }],
    });
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['lines_vs_receipts', true],
      ['tenders_vs_receipts', true],
    ]);
    expect(result.balanced).toBe(true);
  });

  it('rounds DOUBLE noise to the configured decimals before comparing', () => {
    const figures = {
      receipts: [{ id: 'A', total: '13.05' }],
      lines: [{ receipt: 'A', total: '13.049999999999999' }],
    };
    expect(checkShiftClose(figures).balanced).toBe(false);
    expect(checkShiftClose(figures, { decimals: 2 }).balanced).toBe(true);
  });
});

describe('cash count', () => {
  const base = {
    receipts: [{ id: 'A', total: '100.00' }],
    payments: [
      { receipt: 'A', tender: 'Cash', amount: '60.00' },
      { receipt: 'A', tender: 'Card', amount: '40.00' },
    ],
  };

  it('computes expected cash from the float and cash tenders and says short with its sign', () => {
    const result = checkShiftClose(
      {
        ...base,
        cash: {
          counted: '250.00',
          opening: [
            { name: 'opening float', value: '200.00' },
            { name: 'transfers', value: '0.00' },
          ],
          cashTenders: ['cash'],
          tolerance: '0',
        },
      },
      { currency: 'EUR' },
    );
    const check = result.checks.find((c) => c.name === 'cash_count')!;
    expect(check).toEqual({
      name: 'cash_count',
      ok: false,
      message: 'Cash counted 250.00 EUR, expected 260.00 EUR: 10.00 EUR short.',
      figures: { counted: '250.00', expected: '260.00', overShort: '-10.00' },
    });
    expect(result.totals.cash).toEqual({ cashPayments: '60.00', opening: '200.00', expected: '260.00', counted: '250.00', overShort: '-10.00' });
    expect(result.balanced).toBe(false);
  });

  it('accepts an over within the tolerance but still states it', () => {
    const result = checkShiftClose({
      ...base,
      cash: { counted: '260.02', opening: [], expected: '260.00', cashTenders: [], tolerance: '0.05' },
    });
    const check = result.checks.find((c) => c.name === 'cash_count')!;
    expect(check.ok).toBe(true);
    expect(check.message).toBe('Cash counted 260.02, expected 260.00: 0.02 over (within the tolerance of 0.05).');
    expect(check.figures.overShort).toBe('0.02');
  });
});

describe('unreadable figures', () => {
  it('are never guessed: they are named and the shift is not balanced', () => {
    const result = checkShiftClose({
      receipts: [{ id: 'A', total: null }],
      payments: [{ receipt: 'A', tender: 'cash', amount: 'abc' }],
    });
    expect(result.balanced).toBe(false);
    expect(result.checks[0]).toMatchObject({ name: 'figures_readable', ok: false });
    expect(result.checks[0]!.message).toBe(
      '2 amounts could not be read and were left out of the totals: receipt A: total is empty (NULL); payment 1 (cash): amount "abc" is not a number.',
    );
  });
});

describe('shift close properties', () => {
  const shift = fc
    .array(
      fc.record({
        lines: fc.array(fc.bigInt({ min: -50_000n, max: 500_000n }), { minLength: 1, maxLength: 6 }),
        split: fc.array(fc.constantFrom('cash', 'card', 'voucher'), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 25 },
    )
    .map((receipts) => {
      const receiptFigures: ReceiptFigure[] = [];
      const lineFigures: LineFigure[] = [];
      const paymentFigures: PaymentFigure[] = [];
      receipts.forEach((receipt, i) => {
        const id = `R${i}`;
        const total = receipt.lines.reduce((a, b) => a + b, 0n);
        receiptFigures.push({ id, total: cents(total) });
        for (const line of receipt.lines) lineFigures.push({ receipt: id, total: cents(line) });
        // Split the total over the tenders: all but the last get an equal share, the last the rest.
        const share = total / BigInt(receipt.split.length);
        receipt.split.forEach((tender, j) => {
          const amount = j === receipt.split.length - 1 ? total - share * BigInt(receipt.split.length - 1) : share;
          paymentFigures.push({ receipt: id, tender, amount: cents(amount) });
        });
      });
      return { receipts: receiptFigures, lines: lineFigures, payments: paymentFigures };
    });

  it('a consistent shift is balanced, and dropping any payment is caught with its exact amount', () => {
    fc.assert(
      fc.property(shift, fc.nat(), (figures, pick) => {
        const whole = checkShiftClose(figures, { currency: 'EUR' });
        expect(whole.balanced).toBe(true);
        expect(whole.totals.payments).toBe(whole.totals.receipts);

        const dropped = pick % figures.payments.length;
        const removed = figures.payments[dropped]!.amount!;
        const partial = checkShiftClose({ ...figures, payments: figures.payments.filter((_, i) => i !== dropped) }, { currency: 'EUR' });
        const tenders = partial.checks.find((c) => c.name === 'tenders_vs_receipts')!;
        const expectedDifference = removed.startsWith('-') ? removed.slice(1) : `-${removed}`;
        if (/^-?0\.00$/.test(removed)) {
          expect(tenders.ok).toBe(true);
        } else {
          expect(tenders.ok).toBe(false);
          expect(partial.balanced).toBe(false);
          expect(tenders.figures.difference).toBe(expectedDifference);
        }
      }),
      { seed: 20_251_129, numRuns: 200 },
    );
  });

  it('moving one cent between two lines of different receipts breaks exactly those two receipts', () => {
    fc.assert(
      fc.property(
        shift.filter((f) => f.receipts.length >= 2),
        fc.nat(),
        (figures, pick) => {
          const from = pick % figures.receipts.length;
          const to = (from + 1) % figures.receipts.length;
          const lines = figures.lines.map((line) => ({ ...line }));
          const first = lines.find((l) => l.receipt === `R${from}`)!;
          const second = lines.find((l) => l.receipt === `R${to}`)!;
          first.total = cents(BigInt(first.total!.replace('.', '')) - 1n);
          second.total = cents(BigInt(second.total!.replace('.', '')) + 1n);
          const check = checkShiftClose({ ...figures, lines }).checks.find((c) => c.name === 'lines_vs_receipts')!;
          expect(check.ok).toBe(false);
          expect(check.message).toMatch(/^2 receipts do not match their lines/);
          expect(check.message).toContain(`receipt R${from}: `);
          expect(check.message).toContain(`receipt R${to}: `);
          expect(check.figures.difference).toBe('0.00');
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});

describe('Z numbers', () => {
  it('finds gaps per register and describes them', () => {
    expect(findZGap('411', '412')).toBeNull();
    expect(findZGap(undefined, '412')).toBeNull();
    expect(findZGap('411', '411')).toBeNull();
    expect(findZGap('413', '412')).toBeNull();
    expect(findZGap('Z-1', 'Z-3')).toBeNull();
    const gap = findZGap('411', '413')!;
    expect(describeZGap(gap)).toBe('Z 411 then Z 413: Z 412 is missing');
    expect(describeZGap(findZGap('411', '415')!)).toBe('Z 411 then Z 415: Z 412 to 414 (3 reports) are missing');
    expect(findZGap('9223372036854775805', '9223372036854775807')!.firstMissing).toBe('9223372036854775806');
  });

  it('keeps the later Z number numerically', () => {
    expect(laterZ('9', '10')).toBe('10');
    expect(laterZ('10', '9')).toBe('10');
    expect(laterZ(undefined, '3')).toBe('3');
  });
});
