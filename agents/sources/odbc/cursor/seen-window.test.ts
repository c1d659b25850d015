import { describe, expect, it } from 'vitest';
import { SeenWindow, rowDigest, windowTest } from './seen-window.ts';

describe('the window of rows already sent', () => {
  it('without a lookback keeps only the rows at the newest cursor value', () => {
    const seen = new SeenWindow();
    seen.add('a', '5', null);
    seen.add('b', '7', null);
    seen.add('c', '7', null);
    seen.prune('7', null, 0);
    expect(seen.toJson()).toEqual([
      ['b', '7'],
      ['c', '7'],
    ]);
  });

  it('with a lookback keeps the rows up to lookbackSecs (and a second) older than the newest', () => {
    const seen = new SeenWindow();
    const at = (s: number) => Date.UTC(2024, 0, 1, 0, 0, s);
    seen.add('old', 't0', at(0));
    seen.add('edge', 't4', at(4));
    seen.add('new', 't15', at(15));
    seen.prune('t15', at(15), 10);
    expect(seen.toJson()).toEqual([
      ['edge', 't4'],
      ['new', 't15'],
    ]);
    expect(seen.has('edge')).toBe(true);
    expect(seen.has('old')).toBe(false);
  });

  it('is bounded, forgetting the oldest first, and survives its checkpoint form', () => {
    const seen = new SeenWindow();
    for (let i = 0; i < SeenWindow.MAX + 5; i += 1) seen.add(`d${i}`, 'same', null);
    expect(seen.size).toBe(SeenWindow.MAX);
    expect(seen.has('d0')).toBe(false);
    expect(seen.has(`d${SeenWindow.MAX + 4}`)).toBe(true);
    const back = SeenWindow.fromJson(seen.toJson(), () => null);
    expect(back.toJson()).toEqual(seen.toJson());
    expect(SeenWindow.fromJson('not a list', () => null).size).toBe(0);
  });

  it('tells ahead of a prune which rows it keeps, and which cursor texts it holds', () => {
    const at = (s: number) => Date.UTC(2024, 0, 1, 0, 0, s);
    const keeps = windowTest('t15', at(15), 10);
    expect([keeps('t15', null), keeps('t4', at(4)), keeps('t3', at(3)), keeps('x', null)]).toEqual([true, true, false, false]);
    const exact = windowTest('7', null, 0);
    expect([exact('7', null), exact('5', null)]).toEqual([true, false]);
    const seen = new SeenWindow();
    seen.add('a', '5', null);
    seen.add('b', '7', null);
    seen.add('c', '7', null);
    expect([...seen.cursorTexts()].sort()).toEqual(['5', '7']);
  });

  it('digests rows by every value, telling NULL from empty text', () => {
    expect(rowDigest(['1', null])).not.toBe(rowDigest(['1', '']));
    expect(rowDigest(['1', 'a'])).toBe(rowDigest(['1', 'a']));
    expect(rowDigest(['1', 'a'])).toHaveLength(12);
  });
});
