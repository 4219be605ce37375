import { randomBytes } from 'node:crypto';

export const NODE_ID_ENV = 'AEROSTACK_NODE_ID';

/**
 * This node's id: `AEROSTACK_NODE_ID`, or one generated on first call and put into the
 * environment, so the workers a primary forks afterwards inherit it (they must all share it:
 * see `combineBuses`).
 */
export function currentNodeId(env: NodeJS.ProcessEnv = process.env): string {
  let id = env[NODE_ID_ENV];
  if (!id) {
    id = `node_${randomBytes(8).toString('hex')}`;
    env[NODE_ID_ENV] = id;
  }
  return id;
}

export const randomNodeId = () => `node_${randomBytes(8).toString('hex')}`;
