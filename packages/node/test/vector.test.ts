import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { createClient, type NodeClient, type VectorInput } from '../src';

// client.vector from a backend: loading a corpus in batches of the platform's limit, then
// searching it, with the secret key a server holds.

let platform: RunningPlatform;
let client: NodeClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

/** Unit vectors on a circle: vector `i` is nearest to `i - 1` and `i + 1`. */
function* circle(n: number): Generator<VectorInput<{ i: number; even: boolean }>> {
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / n;
    yield { id: `p${i}`, values: [Math.cos(angle), Math.sin(angle)], metadata: { i, even: i % 2 === 0 } };
  }
}

describe('client.vector from Node', () => {
  it('loads 2500 vectors in batches of 1000 and finds neighbours', async () => {
    await client.vector.indexes.create({ name: 'node-circle', dimension: 2, metric: 'euclidean' });
    let batch: VectorInput<{ i: number; even: boolean }>[] = [];
    let written = 0;
    for (const v of circle(2500)) {
      batch.push(v);
      if (batch.length === 1000) {
        written += await client.vector.upsert('node-circle', batch);
        batch = [];
      }
    }
    written += await client.vector.upsert('node-circle', batch);
    expect(written).toBe(2500);
    expect(await client.vector.count('node-circle')).toBe(2500);
    const angle = (2 * Math.PI * 100) / 2500;
    const near = await client.vector.query<{ i: number; even: boolean }>('node-circle', {
      vector: [Math.cos(angle), Math.sin(angle)],
      topK: 3,
    });
    expect(near.map((m) => m.id).sort()).toEqual(['p100', 'p101', 'p99']);
    const odd = await client.vector.query<{ i: number; even: boolean }>('node-circle', {
      vector: [Math.cos(angle), Math.sin(angle)],
      topK: 2,
      filter: { even: false },
    });
    expect(odd.map((m) => m.metadata?.i).sort()).toEqual([101, 99]);
  });
});
