/** One module's part of the spec. */
export interface SpecFragment {
  name: string;
  document: Record<string, unknown>;
}

/** Merges module fragments into a copy of the root document; throws on any collision. */
export function bundle<T extends Record<string, unknown>>(root: T, fragments: SpecFragment[]): T;
