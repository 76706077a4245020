import { useState, type FormEvent } from 'react';
import { api, ApiError, session } from '../api';
import { useTitle } from '../router';

/** The API key is checked with an authenticated read and kept for this tab only (sessionStorage). */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  useTitle('Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    session.signIn(key.trim());
    try {
      await api.agents();
      onSignedIn();
    } catch (err) {
      session.signOut();
      setError(err instanceof ApiError && err.status === 401 ? 'That API key is not valid.' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <p className="muted">Use a workspace API key (after <code>./gpilot up</code>: <code>.gpilot/token</code>). It is kept in this tab only.</p>
      <form onSubmit={submit} className="stack">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'api-key-error' : undefined}
        />
        {error && <p id="api-key-error" className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
