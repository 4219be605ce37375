// Every construct the generators refuse, in every language: the error names the operation,
// where in it the construct is, and the construct. Rows are in refusals.ts.
import { describe, expect, it } from 'vitest';
import { generateLanguage, LANGUAGES } from '../src/generate.js';
import { UnsupportedError } from '../src/unsupported.js';
import { HANDLED, REFUSALS, specWith } from './refusals.js';

function refusal(run: () => unknown): UnsupportedError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnsupportedError) return error;
    throw error;
  }
  throw new Error('generated without refusing');
}

describe.each(LANGUAGES)('the %s generator', (language) => {
  it('generates the base spec of the table', () => {
    expect(generateLanguage(language, specWith({})).length).toBeGreaterThan(0);
  });

  it.each(REFUSALS)('refuses $name', ({ spec, expected, languages }) => {
    if (languages && !languages.includes(language)) {
      expect(generateLanguage(language, spec).length).toBeGreaterThan(0);
      return;
    }
    const { message } = refusal(() => generateLanguage(language, spec));
    for (const part of expected) expect(message).toContain(part);
    expect(message).toContain('is not supported by the generators yet');
  });

  it.each(HANDLED)('handles $name', ({ spec }) => {
    expect(generateLanguage(language, spec).length).toBeGreaterThan(0);
  });
});
