import type { AerostackError, VectorMatch } from '@aerostack/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type UseVectorSearchResult, useVectorSearch } from '../src/index.js';

describe('useVectorSearch types', () => {
  it('types the matches by the metadata type', () => {
    const result = useVectorSearch<{ title: string }>({ index: 'docs', text: 'x' });
    expectTypeOf(result).toEqualTypeOf<UseVectorSearchResult<{ title: string }>>();
    expectTypeOf(result.matches).toEqualTypeOf<Array<VectorMatch<{ title: string }>> | undefined>();
    expectTypeOf(result.error).toEqualTypeOf<AerostackError | null>();
    // @ts-expect-error: the index is required
    useVectorSearch({ vector: [1, 2] });
  });
});
