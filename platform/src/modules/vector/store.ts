import type { Condition } from './filter.js';

export type Metric = 'cosine' | 'euclidean' | 'dot';

/** What searches an index (decision 0042): chosen when the index is created, kept for its life. */
export type Engine = 'sqlite-vec' | 'pgvector' | 'exact';

/** Metadata of a vector: a JSON object. */
export type Metadata = Record<string, unknown>;

/** The parts of an index a store needs: its tables are named after `id`. */
export interface StoredIndex {
  id: string;
  dimension: number;
  metric: Metric;
  engine: Engine;
}

export interface VectorRecord {
  id: string;
  values: Float32Array;
  metadata: Metadata;
}

export interface Match {
  id: string;
  /** Cosine similarity, Euclidean distance or dot product, by the index's metric. */
  score: number;
  metadata?: Metadata;
  values?: number[];
}

export interface QueryOptions {
  topK: number;
  conditions: Condition[];
  includeValues: boolean;
  includeMetadata: boolean;
}

/**
 * The vectors of every index, one table (or pair of tables) per index. Two implementations share
 * one test suite: sqlite-vec in the data directory's `vectors.db`, and PostgreSQL (pgvector with an
 * HNSW index where the extension is installed, exact search in the platform otherwise).
 */
export interface VectorStore {
  /** The engine a new index of this dimension gets. */
  engineFor(dimension: number): Engine;
  createIndex(index: StoredIndex): Promise<void>;
  dropIndex(index: StoredIndex): Promise<void>;
  /**
   * Inserts or replaces the records in one transaction; when `replace` is given, first deletes the
   * vectors that match it (an ingest replacing a source's earlier chunks). Returns the count written.
   */
  upsert(index: StoredIndex, records: VectorRecord[], replace?: Condition[]): Promise<number>;
  query(index: StoredIndex, vector: Float32Array, options: QueryOptions): Promise<Match[]>;
  /** The records that exist among `ids`, in no particular order. */
  get(index: StoredIndex, ids: string[]): Promise<VectorRecord[]>;
  deleteIds(index: StoredIndex, ids: string[]): Promise<number>;
  deleteWhere(index: StoredIndex, conditions: Condition[]): Promise<number>;
  count(index: StoredIndex): Promise<number>;
  close(): Promise<void>;
}

export interface VectorTables {
  vector_indexes: {
    id: string;
    project_id: string;
    name: string;
    dimension: number;
    metric: Metric;
    engine: Engine;
    description: string | null;
    created_at: string;
  };
}
export type IndexRow = VectorTables['vector_indexes'];
