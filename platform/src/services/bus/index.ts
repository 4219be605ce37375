// The bus: events between the workers of a node and between nodes. This is public API.
export { createClusterBus } from './cluster.js';
export { combineBuses } from './combine.js';
export { createLocalBus } from './local.js';
export { currentNodeId, NODE_ID_ENV } from './node-id.js';
export { createPostgresBus, MAX_NOTIFY_BYTES } from './postgres.js';
export { createRedisBus } from './redis.js';
export {
  type Bus,
  type BusDelivery,
  BusError,
  type BusErrorCode,
  type BusHandler,
  type JsonValue,
} from './types.js';
