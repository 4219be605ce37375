/**
 * Any JSON value: what the cache (and later the other primitives) store.
 *
 * @example
 * const value: JsonValue = { theme: 'dark', sizes: [1, 2, 3], beta: null };
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
