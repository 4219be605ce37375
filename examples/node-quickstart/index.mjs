// Aerostack quickstart for Node: create a project with an account key, then use the project's
// secret key on the cache. Needs a running platform:
//   AEROSTACK_URL=http://localhost:8787 AEROSTACK_ACCOUNT_KEY=ak_… node index.mjs
import assert from 'node:assert/strict';
import { createAdminClient, createClient, isAerostackError } from '@aerostack/node';

async function main() {
  // 1. The admin client reads AEROSTACK_URL and AEROSTACK_ACCOUNT_KEY from the environment.
  const admin = createAdminClient();
  const account = await admin.account.get();
  console.log(`→ account ${account.id} on ${admin.url}`);

  // 2. Create a project. Its keys are shown only in this response.
  const { project, secretKey } = await admin.projects.create({ name: 'Node quickstart' });
  console.log(`→ created project ${project.id} ("${project.name}") with secret key ${secretKey.hint}`);
  assert.match(project.id, /^prj_/);
  assert.match(secretKey.key, /^sk_/);

  // 3. A client for the new project, with its secret key.
  const client = createClient({ url: admin.url, secretKey: secretKey.key });

  const stored = await client.cache.set('greeting', { text: 'hello, aerostack' }, { ttlSeconds: 60 });
  console.log(`→ cache.set greeting (expires ${stored.expiresAt})`);
  const entry = await client.cache.get('greeting');
  console.log(`→ cache.get greeting = ${JSON.stringify(entry?.value)}`);
  assert.deepEqual(entry?.value, { text: 'hello, aerostack' });

  await client.cache.increment('visits');
  await client.cache.increment('visits');
  const visits = await client.cache.increment('visits', { by: 10 });
  console.log(`→ cache.increment visits ×3 = ${visits.value}`);
  assert.equal(visits.value, 12);

  const missing = await client.cache.get('never-set');
  console.log(`→ cache.get never-set = ${missing}`);
  assert.equal(missing, null);

  assert.equal(await client.cache.delete('greeting'), true);
  console.log('→ cache.delete greeting');

  // 4. Rotate the publishable key, then see that a browser key may not use the cache: errors
  //    carry a stable code, the HTTP status and the request id.
  const publishable = await admin.projects.keys.rotate(project.id, { type: 'publishable' });
  console.log(`→ rotated the publishable key, now ${publishable.hint}`);
  const browser = createClient({ url: admin.url, publishableKey: publishable.key });
  const error = await browser.cache.get('greeting').catch((e) => e);
  assert.ok(isAerostackError(error));
  assert.equal(error.code, 'auth/wrong-credential-type');
  console.log(
    `→ a publishable key on the cache fails with ${error.code} (${error.status}, ${error.requestId})`,
  );

  console.log('✓ quickstart passed');
}

main().catch((error) => {
  console.error('✗ quickstart failed:', isAerostackError(error) ? error.toJSON() : error);
  process.exit(1);
});
