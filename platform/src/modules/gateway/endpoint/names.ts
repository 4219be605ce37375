import { sha256Hex } from '../../../lib/sha256.js';

/**
 * Names the gateway shows for tools and prompts: `{server}__{name}`. Server slugs never contain
 * `__`, so the first `__` always ends the server part, whatever the upstream's own name holds.
 */
export const SEPARATOR = '__';

/** Many clients (and model APIs) refuse tool names longer than this. */
export const MAX_NAME_LENGTH = 64;

const HASH_LENGTH = 8;

/**
 * The gateway name of `name` on `server`. Past 64 characters the name is shortened
 * deterministically to `{server}__{prefix}_{8 hex of sha256(name)}`, so every node computes the
 * same name and the call resolves it back through that server's list (`resolveName`).
 */
export function gatewayName(server: string, name: string): string {
  const full = `${server}${SEPARATOR}${name}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = sha256Hex(name).slice(0, HASH_LENGTH);
  const room = MAX_NAME_LENGTH - server.length - SEPARATOR.length - 1 - HASH_LENGTH;
  return `${server}${SEPARATOR}${prefixOf(name, room)}_${hash}`;
}

/** The first `room` UTF-16 units of `name`, never splitting a surrogate pair. */
function prefixOf(name: string, room: number): string {
  const cut = name.slice(0, room);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** `{server}__{rest}` → its parts; null when the name has no server part. */
export function splitName(name: string): { server: string; rest: string } | null {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, at), rest: name.slice(at + SEPARATOR.length) };
}

/**
 * Indexes one server's items by gateway name. Where two items end up with one name (an upstream
 * that lists a name twice, or a short name equal to another's shortened form) the first in the
 * server's order wins, the same on every node.
 */
export function nameIndex<T extends { name: string }>(server: string, items: readonly T[]): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const name = gatewayName(server, item.name);
    if (!index.has(name)) index.set(name, item);
  }
  return index;
}

const indexes = new WeakMap<readonly unknown[], { server: string; index: Map<string, unknown> }>();

/**
 * The item `name` stands for among `items` (one server's list), or undefined. The index is kept
 * per list: the upstream pool hands out the same cached array until the list changes, so a call
 * hashes the long names once per list, not once per call.
 */
export function resolveName<T extends { name: string }>(
  server: string,
  items: readonly T[],
  name: string,
): T | undefined {
  let entry = indexes.get(items);
  if (!entry || entry.server !== server) {
    entry = { server, index: nameIndex(server, items) };
    indexes.set(items, entry);
  }
  return entry.index.get(name) as T | undefined;
}
