import { ApiError } from '../../http/problem.js';
import { encodeCursor, positionOf } from '../../lib/cursor.js';

// A cache listing resumes after a key, not after a (created_at, id) position; the platform's
// cursor encoding carries it with a fixed first member, so a cursor of another list is refused.
const MARK = 'cache';

/** The cursor that resumes a listing after `key`. */
export function cursorAfter(key: string | null): string | null {
  return key === null ? null : encodeCursor({ createdAt: MARK, id: key });
}

/** The key a listing cursor resumes after; 400 `request/invalid-parameters` for a cursor not ours. */
export function keyAfter(cursor: string | undefined): string | null {
  const position = positionOf(cursor);
  if (position === null) return null;
  if (position.createdAt !== MARK) {
    throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this list.', {
      errors: [{ location: 'query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return position.id;
}
