import { ApiError } from '../../http/problem.js';
import type { Metric } from './store.js';

/**
 * A vector as 32-bit floats (how every engine stores it), checked: the index's dimension, every
 * number finite after the conversion (1e39 is finite in JSON but Infinity as a float), and not all
 * zeros in a cosine index (a zero vector has no direction).
 */
export function toFloats(
  values: readonly number[],
  dimension: number,
  metric: Metric,
  what: string,
): Float32Array {
  if (values.length !== dimension) {
    throw new ApiError(
      'vector/dimension-mismatch',
      `${what} has ${values.length} numbers; the index's dimension is ${dimension}.`,
    );
  }
  const floats = Float32Array.from(values);
  let zero = true;
  for (let i = 0; i < floats.length; i++) {
    const v = floats[i] as number;
    if (!Number.isFinite(v)) {
      throw new ApiError(
        'vector/invalid-values',
        `${what} has a number that is not a finite 32-bit float at ${i}.`,
      );
    }
    if (v !== 0) zero = false;
  }
  if (zero && metric === 'cosine') {
    throw new ApiError('vector/invalid-values', `${what} is all zeros, which has no cosine similarity.`);
  }
  return floats;
}

export function norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  return Math.sqrt(sum);
}

/** The bytes of a vector (little-endian float32, as sqlite-vec and the exact store keep them). */
export function toBytes(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A vector from its bytes (copied: the buffer may be a view into a larger one). */
export function fromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Numbers as JSON shows them: a float32 widened to the double that prints shortest and round-trips. */
export function toNumbers(v: Float32Array): number[] {
  return Array.from(v, (x) => Math.fround(x));
}

/** Whether score `a` ranks before score `b` for the metric (distance: lower first). */
export const closer = (metric: Metric) =>
  metric === 'euclidean' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;

/**
 * The score of `v` against the query `q` (with its norm `qNorm`), computed in double precision:
 * the exact engine's distance function.
 */
export function score(metric: Metric, q: Float32Array, qNorm: number, v: Float32Array): number {
  let dot = 0;
  if (metric === 'euclidean') {
    for (let i = 0; i < q.length; i++) {
      const d = (q[i] as number) - (v[i] as number);
      dot += d * d;
    }
    return Math.sqrt(dot);
  }
  let vv = 0;
  for (let i = 0; i < q.length; i++) {
    const x = v[i] as number;
    dot += (q[i] as number) * x;
    vv += x * x;
  }
  if (metric === 'dot') return dot;
  return vv === 0 || qNorm === 0 ? 0 : dot / (Math.sqrt(vv) * qNorm);
}

/** The best `k` items by score, kept sorted as they arrive (k ≤ 100, so insertion is cheap). */
export class TopK<T> {
  readonly items: Array<{ score: number; item: T }> = [];
  private readonly better: (a: number, b: number) => boolean;

  constructor(
    private readonly k: number,
    metric: Metric,
  ) {
    this.better = closer(metric);
  }

  offer(score: number, item: T): void {
    const { items, k } = this;
    if (items.length === k && !this.better(score, (items[k - 1] as { score: number }).score)) return;
    let i = items.length;
    while (i > 0 && this.better(score, (items[i - 1] as { score: number }).score)) i--;
    items.splice(i, 0, { score, item });
    if (items.length > k) items.pop();
  }
}
