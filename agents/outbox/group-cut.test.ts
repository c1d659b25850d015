import { describe, expect, it } from 'vitest';
import { groupSafeCut, groupSafeHalf } from './group-cut.ts';

describe('groupSafeCut', () => {
  it('keeps the cut when it falls between groups or on ungrouped records', () => {
    expect(groupSafeCut([null, null, null], 2, 10)).toBe(2);
    expect(groupSafeCut(['a', 'a', 'b', 'b'], 2, 10)).toBe(2);
    expect(groupSafeCut(['a', 'a'], 5, 10)).toBe(2);
  });
  it('moves the cut back before a group that would straddle it', () => {
    expect(groupSafeCut([null, 'a', 'a', 'a', null], 2, 10)).toBe(1);
  });
  it('stretches a first group past the limit, up to the hard maximum', () => {
    expect(groupSafeCut(['a', 'a', 'a', 'a', null], 2, 10)).toBe(4);
    expect(groupSafeCut(['a', 'a', 'a', 'a', 'a'], 2, 3)).toBe(3);
  });
});

describe('groupSafeHalf', () => {
  it('halves at the boundary nearest the middle that splits no group', () => {
    expect(groupSafeHalf([null, null, null, null])).toBe(2);
    expect(groupSafeHalf(['a', 'a', 'a', 'b', 'b'])).toBe(3);
    expect(groupSafeHalf(['a', 'b', 'b', 'b', 'b'])).toBe(1);
  });
  it('cannot halve one record or one group', () => {
    expect(groupSafeHalf([null])).toBeNull();
    expect(groupSafeHalf(['a', 'a', 'a'])).toBeNull();
  });
});
