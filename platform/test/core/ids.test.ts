import { describe, expect, it } from 'vitest';
import { newId, newSortableId, randomBase62 } from '../../src/lib/ids.js';

describe('ids', () => {
  it('are the prefix and 20 base62 characters, and do not repeat', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('job'));
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^job_[0-9A-Za-z]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draw every character equally often (no modulo bias from the byte pool)', () => {
    const counts = new Map<string, number>();
    const text = randomBase62(248_000);
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Chi-square over 62 characters (61 degrees of freedom): 200 is far beyond chance (p < 1e-15);
    // mapping every byte with `% 62` would give the first eight characters 25 % more and ~1600.
    const expected = text.length / 62;
    const chi = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(200);
  });

  it('sortable ones keep the shape, sort by time and stay unique within a millisecond', () => {
    const at = Date.UTC(2026, 10, 24, 12);
    const same = Array.from({ length: 20_000 }, () => newSortableId('cal', at));
    expect(new Set(same).size).toBe(same.length);
    for (const id of same.slice(0, 100)) expect(id).toMatch(/^cal_[0-9A-Za-z]{20}$/);
    // Later milliseconds sort after, whatever the random part draws (string order, as an index keeps it).
    const times = [0, 1, 61, 62, at - 1, at, at + 1, Date.UTC(2100, 0, 1), 62 ** 8 - 1];
    const ids = times.map((t) => newSortableId('cal', t));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(4, 12)).toBe('00000000');
    expect(ids.at(-1)!.slice(4, 12)).toBe('zzzzzzzz');
  });
});
