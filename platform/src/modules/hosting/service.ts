import type { Services } from '../../services.js';
import { createCatalog } from './catalog/index.js';
import { createDeployments } from './deployments.js';
import { createLoader } from './loader.js';
import { createLogs } from './logs/index.js';
import type { HostedRuntime } from './runtime/contract.js';
import { createHostingSecrets } from './secrets.js';
import { createSkills } from './skills/index.js';
import { createTriggers } from './triggers/index.js';

/**
 * Hosted code (decision 0050): deployments of the project's workers, the secrets they receive,
 * and the loader that runs the active ones in `runtime` (null when workerd cannot start: then
 * deploying and calling functions answer 503 `hosting/runtime-unavailable`).
 */
export function createHostingService(services: Services, runtime: HostedRuntime | null) {
  const secrets = createHostingSecrets(services, (projectId) => loader.changed(projectId));
  const workers = createLoader(services, runtime, secrets);
  // A skill's `/mcp` is the platform's (decision 0053): every way to a worker goes through it.
  const skills = createSkills(services, workers);
  const loader = { ...workers, fetch: skills.fetch };
  const catalog = createCatalog(services, loader);
  const deployments = createDeployments(services, loader, secrets, catalog, skills);
  if (runtime) catalog.refresh.start();
  const logs = createLogs(services, runtime);
  const triggers = createTriggers(services, runtime, { loader, logs });
  return {
    deployments,
    catalog,
    secrets,
    loader,
    logs,
    triggers,
    async close() {
      catalog.refresh.close();
      triggers.close();
      await logs.close();
      await skills.close();
      await loader.close();
    },
  };
}

export type HostingService = ReturnType<typeof createHostingService>;
