import { createRuntime } from '../../src/modules/hosting/runtime/index.js';
import { limits, worker, workerdPids } from './hosting-runtime.js';

// A process holding a hosted runtime with one project loaded, for tests that kill it: prints the
// pid of its workerd, then waits to be killed.

const runtime = createRuntime({ limits: limits() });
await runtime.ensure('prj_orphan', [worker('api', 'export default { fetch: () => new Response("up") }')]);
await (await runtime.fetch('prj_orphan', 'api', new Request('http://fn.local/'))).text();
console.log(`workerd ${workerdPids().join(',')}`);
setInterval(() => {}, 60_000);
