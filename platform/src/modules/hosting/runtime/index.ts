// The hosted-code runtime (decision 0049): what the hosting module uses to run deployed code.
export type {
  BindingCall,
  BindingHandler,
  BindingKind,
  HostedRuntime,
  InvocationLog,
  QueueBatch,
  QueueResult,
  ScheduledEvent,
  ScheduledResult,
  WorkerBinding,
  WorkerService,
  WorkerSource,
} from './contract.js';
export { createRuntime, type RuntimeOptions } from './runtime.js';
