/**
 * The metadata database as the core sees it: a set of tables. Each module declares the tables it
 * owns in its own store (`interface CacheTables { cache_entries: … }`) and reaches them through
 * `tables<CacheTables>(database)`; no module reads another module's tables.
 */
export type Schema = Record<string, Record<string, unknown>>;
