import type { JsonValue } from '../../services/bus/index.js';
import type { Message } from '../realtime/service.js';

/** Messages one realtime write carries at most. */
const BATCH = 500;
/** Waiting messages past which a change's caller waits for them to be written (backpressure). */
const BACKLOG = 2_000;

export interface Announcer {
  /**
   * Queues a message on the project's channel. Resolves at once, or, when the backlog is over
   * its bound, once the backlog is written; a failed write is logged and never rejects.
   */
  add(projectId: string, channel: string, event: string, data: JsonValue): Promise<void>;
  /** Resolves once every message queued so far is written (or its failure logged). */
  flush(): Promise<void>;
}

/**
 * Job changes' realtime messages, written in the order they were queued, as few writes as the
 * load allows (decision 0047): whatever queued while one write ran goes in the next, one
 * transaction per project and batch. The job changes themselves are committed before their
 * messages queue, and a failed write never undoes them (watchers read the job again when their
 * stream subscribes).
 */
export function createAnnouncer(
  publishMany: (projectId: string, messages: Message[]) => Promise<unknown>,
  onError: (error: unknown, projectId: string) => void,
): Announcer {
  const waiting: Array<{ projectId: string; message: Message }> = [];
  let writing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    // Lets the changes of requests answered in this turn of the event loop join the first write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (waiting.length > 0) {
      const batch = waiting.splice(0, BATCH);
      const byProject = new Map<string, Message[]>();
      for (const { projectId, message } of batch) {
        const list = byProject.get(projectId) ?? [];
        list.push(message);
        byProject.set(projectId, list);
      }
      for (const [projectId, messages] of byProject) {
        await publishMany(projectId, messages).catch((error: unknown) => onError(error, projectId));
      }
    }
    writing = null;
  }

  const flush = () => writing ?? Promise.resolve();

  return {
    add(projectId, channel, event, data) {
      waiting.push({ projectId, message: { channel, event, data } });
      writing ??= drain();
      return waiting.length > BACKLOG ? flush() : Promise.resolve();
    },
    flush,
  };
}
