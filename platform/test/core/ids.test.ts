import { describe, expect, it } from 'vitest';
import { newId, randomBase62 } from '../../src/lib/ids.js';

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
});
