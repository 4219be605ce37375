let last = 0;
let lastWall = 0;

/**
 * The current time as an RFC 3339 string (millisecond precision) for a row this process writes.
 *
 * Lists page by `(created_at, id)` and ids are random, so two rows created within one millisecond
 * would list in a random order. Here each call returns a later millisecond than the one before it,
 * so rows one process creates list in the order it created them. Under a burst the value runs ahead
 * of the wall clock by one millisecond per extra row in a millisecond; a wall clock stepped back by
 * more than a second is taken as it is rather than waited out.
 */
export function isoNow(): string {
  const wall = Date.now();
  const steppedBack = wall < lastWall - 1000;
  last = steppedBack ? wall : Math.max(wall, last + 1);
  lastWall = wall;
  return new Date(last).toISOString();
}
