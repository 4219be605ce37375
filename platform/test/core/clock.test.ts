import { describe, expect, it } from 'vitest';
import { isoNow } from '../../src/lib/clock.js';

describe('isoNow', () => {
  it('never repeats or goes back within a process, so same-millisecond rows keep creation order', () => {
    const times = Array.from({ length: 5000 }, () => isoNow());
    for (let i = 1; i < times.length; i++) expect(times[i]! > times[i - 1]!).toBe(true);
    // 5000 calls take well under 5 s, so the values ran ahead of the wall clock only as far as needed.
    expect(Date.parse(times.at(-1)!) - Date.now()).toBeLessThan(5000);
  });

  it('is an RFC 3339 UTC time with milliseconds', () => {
    expect(isoNow()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
