import { useAuth, useRealtimeStatus } from '@aerostack/react';
import { useState } from 'react';
import { Room } from './Room.js';
import { SignInWithCode } from './SignInWithCode.js';
import { SignUp } from './SignUp.js';

export function App() {
  const { user, loading, signOut } = useAuth();
  const status = useRealtimeStatus();
  const [room, setRoom] = useState('lobby');

  return (
    <main>
      <header>
        <h1>Aerostack chat</h1>
        <span className="status" data-testid="realtime-status">
          realtime: {status}
        </span>
        {user && (
          <span>
            <span data-testid="signed-in-as">{user.email}</span>{' '}
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          </span>
        )}
      </header>
      {loading && !user ? (
        <p>Loading…</p>
      ) : user ? (
        <>
          <label>
            Room <input value={room} onChange={(e) => setRoom(e.target.value)} aria-label="room" />
          </label>
          {/^[A-Za-z0-9_.-]+$/.test(room) ? (
            <Room key={room} room={room} userId={user.id} />
          ) : (
            <p>Room names use letters, digits, _ . and -</p>
          )}
        </>
      ) : (
        <div className="forms">
          <SignUp />
          <SignInWithCode />
        </div>
      )}
    </main>
  );
}
