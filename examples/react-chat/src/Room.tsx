import type { RealtimeMessage } from '@aerostack/core';
import { useDb, useDbQuery, useSubscription } from '@aerostack/react';
import { type FormEvent, useEffect, useState } from 'react';
import statements from '../statements.json';

interface Message {
  id: number;
  user_id: string;
  body: string;
  created_at: string;
}
/** A database change event on `table/messages` (event `INSERT`, `UPDATE` or `DELETE`). */
interface Change {
  table: string;
  new: (Message & { room: string }) | null;
  old: (Message & { room: string }) | null;
}

/**
 * One room: the recent messages read with `useDbQuery`, then every new one live from the
 * database's change events on `table/messages` (the platform publishes them on each insert, and
 * the project's rules let signed-in users see them).
 */
export function Room({ room, userId }: { room: string; userId: string }) {
  const stored = useDbQuery<Message>(statements.listMessages, { room });
  const live = useSubscription<Change>('table/messages', {
    event: 'INSERT',
    filter: (m: RealtimeMessage<Change>) => m.data.new?.room === room,
  });
  // The stream resumed past its replay buffer: what we hold may have gaps, so read again.
  useEffect(() => {
    if (live.missed) void stored.refetch();
  }, [live.missed, stored.refetch]);

  const byId = new Map<number, Message>();
  for (const m of stored.rows ?? []) byId.set(m.id, m);
  for (const e of live.events) if (e.data.new) byId.set(e.data.new.id, e.data.new);
  const messages = [...byId.values()].sort((a, b) => a.id - b.id);

  return (
    <section aria-label={`room ${room}`}>
      <h2>#{room}</h2>
      {stored.error && <p role="alert">{stored.error.message}</p>}
      {live.error && <p role="alert">{live.error.message}</p>}
      {stored.loading ? (
        <p>Loading…</p>
      ) : (
        <ul className="messages" data-testid="messages">
          {messages.map((m) => (
            <li key={m.id} className={m.user_id === userId ? 'mine' : undefined}>
              <span className="author">{m.user_id === userId ? 'you' : m.user_id.slice(-6)}</span>{' '}
              <span className="body">{m.body}</span>
            </li>
          ))}
        </ul>
      )}
      <Composer room={room} />
    </section>
  );
}

/** Inserts through `useDb()`: the platform binds `:auth_user_id` to the signed-in user. */
function Composer({ room }: { room: string }) {
  const { query, loading, error } = useDb();
  const [body, setBody] = useState('');

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) return;
    await query(statements.postMessage, { room, body: body.trim() });
    setBody('');
  }

  return (
    <form onSubmit={(e) => send(e).catch(() => {})} aria-label="new message">
      <input
        value={body}
        onChange={(e) => setBody(e.target.value)}
        placeholder="Say something"
        aria-label="message"
      />
      <button type="submit" disabled={loading}>
        Send
      </button>
      {error && <p role="alert">{error.message}</p>}
    </form>
  );
}
