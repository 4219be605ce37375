import { useAuth } from '@aerostack/react';
import { type FormEvent, useState } from 'react';

/** Email and password: `signUp` creates the user and signs them in. */
export function SignUp() {
  const { signUp } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    await signUp({ email, password }).catch((e: Error) => setError(e.message));
  }

  return (
    <form onSubmit={submit} aria-label="sign up">
      <h2>Sign up</h2>
      <input type="email" placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <input
        type="password"
        placeholder="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit">Sign up</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
