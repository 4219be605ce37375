import type { Services } from '../../../services.js';
import type { ListKind } from './aggregate.js';

type Kind = Exclude<ListKind, 'resourceTemplates'>;
const ALL: readonly Kind[] = ['tools', 'resources', 'prompts'];

/** An open notification stream on this worker: a Streamable HTTP GET or a legacy SSE session. */
export interface Listener {
  workspaceId: string;
  /** The hash of the token it was opened with (a revocation names hashes). */
  tokenHash: string;
  notify(method: `notifications/${Kind}/list_changed`): void;
  /** Ends the stream (token revoked, workspace deleted). */
  close(): void;
}

/**
 * Tells the open streams of this worker that a list changed. The upstream pool reports an
 * upstream's list_changed on every worker (over the bus), and a change to a workspace's servers
 * is published on `gateway.servers-changed`; so each worker only tells its own streams. A change
 * in a workspace reaches the streams of every workspace that composes it as well.
 */
export function createNotifier(services: Services) {
  const streams = new Map<string, Set<Listener>>();

  function add(listener: Listener): () => void {
    const set = streams.get(listener.workspaceId) ?? new Set<Listener>();
    streams.set(listener.workspaceId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && streams.get(listener.workspaceId) === set) streams.delete(listener.workspaceId);
    };
  }

  /** Whether `workspaceId` reaches `changed` through servers of kind `workspace`. */
  async function composes(workspaceId: string, changed: string): Promise<boolean> {
    const seen = new Set([workspaceId]);
    const queue = [workspaceId];
    while (queue.length > 0) {
      for (const server of await services.gateway.servers.enabledFor(queue.shift()!)) {
        const target = server.targetWorkspaceId;
        if (server.kind !== 'workspace' || !target || seen.has(target)) continue;
        if (target === changed) return true;
        seen.add(target);
        queue.push(target);
      }
    }
    return false;
  }

  async function changed(workspaceId: string, kinds: readonly Kind[]): Promise<void> {
    for (const [id, listeners] of [...streams]) {
      if (id !== workspaceId && !(await composes(id, workspaceId))) continue;
      for (const listener of listeners) {
        for (const kind of kinds) listener.notify(`notifications/${kind}/list_changed`);
      }
    }
  }

  const report = (error: unknown) =>
    services.logger.error('gateway list_changed fan-out failed', {
      error: error instanceof Error ? error.message : String(error),
    });

  services.gateway.upstreams.onListChanged((server, kind) => {
    changed(server.workspaceId, [kind]).catch(report);
  });
  services.bus.subscribe('gateway.servers-changed', (message) => {
    const workspaceId = (message as { workspaceId?: unknown } | null)?.workspaceId;
    if (typeof workspaceId === 'string') changed(workspaceId, ALL).catch(report);
  });
  services.bus.subscribe('workspaces.tokens-revoked', (message) => {
    const hashes = new Set((message as { hashes?: string[] } | null)?.hashes ?? []);
    for (const listeners of streams.values()) {
      for (const listener of listeners) if (hashes.has(listener.tokenHash)) listener.close();
    }
  });
  services.bus.subscribe('workspaces.changed', (message) => {
    const { workspaceId, deleted } = (message ?? {}) as { workspaceId?: string; deleted?: boolean };
    if (!deleted || !workspaceId) return;
    for (const listener of streams.get(workspaceId) ?? []) listener.close();
  });

  return { add };
}

export type Notifier = ReturnType<typeof createNotifier>;
