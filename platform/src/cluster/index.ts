// Multi-process mode: the primary's hub, the workers' link to it, and the worker pool. Public API.
export { type ForkOptions, forkWorkers, type Workers } from './fork.js';
export { createHub, type Hub, type HubConnection, type HubOptions, type HubPeer } from './hub.js';
export { connectToPrimary, processTransport, type WorkerLink, type WorkerTransport } from './link.js';
export { type PrimaryHub, startPrimaryHub } from './primary.js';
export { ClusterError, type ClusterErrorCode } from './protocol.js';
