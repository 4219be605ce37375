import { useAuth } from '@aerostack/react';
import { type FormEvent, useState } from 'react';

/**
 * Passwordless: `sendOTP` emails a 6-digit code, `verifyOTP` signs in with it. Without SMTP the
 * platform keeps the email in its outbox (`GET /v1/auth/outbox` with the secret key).
 */
export function SignInWithCode() {
  const { sendOTP, verifyOTP } = useAuth();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      if (!sent) {
        await sendOTP({ email });
        setSent(true);
      } else {
        await verifyOTP({ email, code: code.trim() });
      }
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <form onSubmit={submit} aria-label="sign in with a code">
      <h2>Sign in with an email code</h2>
      <input
        type="email"
        placeholder="email"
        value={email}
        disabled={sent}
        onChange={(e) => setEmail(e.target.value)}
      />
      {sent && (
        <input
          inputMode="numeric"
          autoComplete="one-time-code"
          placeholder="6-digit code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      )}
      <button type="submit">{sent ? 'Sign in' : 'Send code'}</button>
      {sent && <p>Code sent to {email}.</p>}
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
