import { useState, type FormEvent } from 'react';
import { whoAmI } from '../access';
import { ApiError, session } from '../api';
import { useTitle } from '../router';

/**
 * The API key is checked (`GET /api/v1/workspaces`, which every role may read: it also says the key's workspace,
 * role and permissions) and kept for this tab only (sessionStorage). Signed in already, "Add a key" adds another
 * key to the tab's key ring, for the workspace switcher.
 */
export function SignInPage({ onSignedIn, adding = false, onCancel }: {
  onSignedIn: (key: string) => void;
  adding?: boolean;
  onCancel?: () => void;
}) {
  useTitle(adding ? 'Add a key' : 'Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const k = key.trim();
    try {
      await whoAmI(k, false);
      session.signIn(k);
      onSignedIn(k);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That API key is not valid.' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <h1>{adding ? 'Add a key' : 'Sign in'}</h1>
      <p className="muted">
        {adding
          ? 'A key of another workspace (or another role): the workspace switcher then offers both. Kept in this tab only.'
          : <>Use a workspace API key (after <code>./gpilot up</code>: <code>.gpilot/token</code>). It is kept in this tab only.</>}
      </p>
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
        <div className="row wrap">
          <button type="submit" className="primary" disabled={busy || !key.trim()}>
            {busy ? 'Signing in…' : adding ? 'Add key' : 'Sign in'}
          </button>
          {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
        </div>
      </form>
    </section>
  );
}
