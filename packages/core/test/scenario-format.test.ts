// The language-neutral parts of the scenario runner (scenarios/README.md): matchers, variables
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scenario strings carry ${name} variables.
// and `$bytes` bodies, so a scenario that should fail does.
import { describe, expect, it } from 'vitest';
import { mismatches, scenarioBytes, Variables } from './support/scenarios';

describe('matchers', () => {
  it.each([
    ['a value matches itself', { a: [1, 'x', null] }, { a: [1, 'x', null] }, true],
    ['a different value', 1, 2, false],
    ['an object may have more keys', { a: 1 }, { a: 1, b: 2 }, true],
    ['a listed key must be there', { a: 1 }, { b: 1 }, false],
    ['an array matches item by item', [1, 2], [1, 2], true],
    ['an array of another length', [1, 2], [1, 2, 3], false],
    ['$type string', { $type: 'string' }, 'x', true],
    ['$type integer', { $type: 'integer' }, 1.5, false],
    ['$type null', { $type: 'null' }, null, true],
    ['$type object is not an array', { $type: 'object' }, [], false],
    ['$match', { $match: '^sk_' }, 'sk_1', true],
    ['$match on a number', { $match: '1' }, 1, false],
    ['$absent', { k: { $absent: true } }, { j: 1 }, true],
    ['$absent when present', { k: { $absent: true } }, { k: 1 }, false],
    ['$length', { $length: 2 }, [1, 2], true],
    ['$length of a string', { $length: 3 }, 'abcd', false],
    ['$contains', { $contains: { id: 2 } }, [{ id: 1 }, { id: 2 }], true],
    ['$contains none', { $contains: { id: 3 } }, [{ id: 1 }, { id: 2 }], false],
  ])('%s', (_name, expected, actual, ok) => {
    expect(mismatches(expected, actual).length === 0).toBe(ok);
  });
});

describe('variables', () => {
  const vars = new Variables('u1', (name) => (name === 'HOME_URL' ? 'http://x' : undefined));
  vars.save({ id: 'data.0.id', n: 'count' }, { data: [{ id: 'prj_1' }], count: 3 });

  it('replaces ${unique}, ${env.X} and saved values, keeping the type of a whole "${name}"', () => {
    expect(vars.resolve({ a: 'k-${unique}', b: '${env.HOME_URL}/${id}', c: '${n}', d: ['${id}'] })).toEqual({
      a: 'k-u1',
      b: 'http://x/prj_1',
      c: 3,
      d: ['prj_1'],
    });
  });

  it('refuses an unknown variable', () => {
    expect(() => vars.resolve('${nope}')).toThrow(/nope/);
    expect(() => vars.resolve('${env.NOT_SET}')).toThrow(/NOT_SET/);
  });
});

describe('$bytes', () => {
  it('is (i × 31 + the seed bytes sum) mod 251', () => {
    // "blobs" = 98 + 108 + 111 + 98 + 115 = 530
    expect([...scenarioBytes({ size: 4, seed: 'blobs' })]).toEqual([
      530 % 251,
      561 % 251,
      592 % 251,
      623 % 251,
    ]);
  });
});
