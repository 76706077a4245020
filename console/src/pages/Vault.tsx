import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useAccess } from '../access';
import { api, ApiError, type Rotation, type VaultInfo } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Spinner } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { time } from '../format';
import { useTitle } from '../router';

/** What a refused rotation says, with when the next one is allowed for a 429 (Retry-After). */
export function rotationError(e: unknown, now = Date.now()): string {
  if (e instanceof ApiError) {
    if (e.status === 429 && e.retryAfterSeconds != null) {
      const at = new Date(now + e.retryAfterSeconds * 1000);
      const minutes = Math.ceil(e.retryAfterSeconds / 60);
      return `Rotation refused: ${e.detail || e.title}. The next rotation is allowed in ${minutes} min (at ${at.toLocaleTimeString()}).`;
    }
    return `Rotation failed: ${e.detail || e.title}`;
  }
  return `Rotation failed: ${(e as Error).message}`;
}

export function VaultPage() {
  useTitle('Vault');
  const toast = useToast();
  const access = useAccess();
  const write = access.can('vault_write');
  const [vault, setVault] = useState<VaultInfo | null>(null);
  const [rotations, setRotations] = useState<Rotation[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [name, setName] = useState('gemini');
  const [value, setValue] = useState('');
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      const [v, r] = await Promise.all([api.vault(), api.rotations()]);
      setVault(v);
      setRotations(r.rotations);
    } catch (e) {
      toast.show('error', `Vault: ${(e as Error).message}`);
    }
  }, [toast]);
  useEffect(() => {
    load();
  }, [load]);

  async function rotate() {
    setConfirming(false);
    setRotating(true);
    try {
      const r = await api.rotate();
      toast.show('success', 'Keys rotated successfully');
      setVault((v) => (v ? { ...v, keyVersion: r.newVersion, lastRotatedAt: r.rotatedAt } : v));
      await load();
    } catch (e) {
      toast.show('error', rotationError(e));
    } finally {
      setRotating(false);
    }
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    try {
      const s = await api.putSecret(name.trim(), value);
      setValue('');
      toast.show('success', `Secret ${s.name} saved (fingerprint ${s.fingerprint})`);
      await load();
    } catch (err) {
      toast.show('error', `Saving the secret failed: ${(err as Error).message}`);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="stack">
      <div className="row wrap between">
        <h1>Vault</h1>
        {write && (
          <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={rotating} aria-busy={rotating}>
            {rotating ? (<><Spinner /> Rotating…</>) : 'Rotate Keys'}
          </button>
        )}
      </div>
      <dl className="facts">
        <div><dt>Key version</dt><dd data-testid="key-version">{vault?.keyVersion ?? '—'}</dd></div>
        <div><dt>Secrets</dt><dd>{vault?.secrets.length ?? '—'}</dd></div>
        <div><dt>Last rotated</dt><dd>{time(vault?.lastRotatedAt)}</dd></div>
        <div><dt>Revision</dt><dd>{vault?.revision ?? '—'}</dd></div>
      </dl>
      <p className="muted small">Values are sealed and never shown; the fingerprint tells versions of a value apart.</p>

      <table className="table responsive">
        <caption>Secrets</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key version</th>
            <th scope="col">Fingerprint</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {vault?.secrets.map((s) => (
            <tr key={s.name}>
              <td data-label="Name"><code>{s.name}</code></td>
              <td data-label="Key version">{s.keyVersion}</td>
              <td data-label="Fingerprint"><code>{s.fingerprint}</code></td>
              <td data-label="Updated">{time(s.updatedAt)} <span className="muted">by {s.updatedBy}</span></td>
            </tr>
          ))}
          {vault && vault.secrets.length === 0 && <tr><td colSpan={4} className="muted">No secrets yet.</td></tr>}
        </tbody>
      </table>

      {write ? (
      <form className="card stack" onSubmit={save} aria-labelledby="set-secret">
        <h2 id="set-secret">Set or replace a secret</h2>
        <div className="row wrap">
          <label className="grow">
            Name
            <input list="secret-names" value={name} onChange={(e) => setName(e.target.value)} required pattern="gemini|shopify|reddit|social\.[a-z0-9][a-z0-9_\-]{0,62}" />
          </label>
          <datalist id="secret-names">
            <option value="gemini" /><option value="shopify" /><option value="reddit" /><option value="social.x" />
          </datalist>
          <label className="grow">
            Value
            <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} required />
          </label>
        </div>
        <div className="row">
          <button type="submit" disabled={saving || !value}>{saving ? 'Saving…' : 'Save secret'}</button>
        </div>
      </form>
      ) : (
        <p className="muted small">Your role ({access.role}) can read the vault's metadata but not set secrets or rotate keys.</p>
      )}

      <table className="table responsive">
        <caption>Rotation history (from <code>GET /api/v1/vault/rotations</code>)</caption>
        <thead>
          <tr>
            <th scope="col">Key version</th>
            <th scope="col">Rotated</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {[...rotations].reverse().map((r) => (
            <tr key={r.version}>
              <td data-label="Key version">{r.version}</td>
              <td data-label="Rotated">{time(r.rotatedAt)}</td>
              <td data-label="By">{r.rotatedBy}</td>
            </tr>
          ))}
          {rotations.length === 0 && <tr><td colSpan={3} className="muted">No rotations yet.</td></tr>}
        </tbody>
      </table>

      <ConfirmDialog
        open={confirming}
        title="Rotate the workspace keys?"
        confirmLabel="Rotate"
        onConfirm={rotate}
        onCancel={() => setConfirming(false)}
      >
        <p>Every secret is sealed again under a new key version. Values and fingerprints stay the same. Keys can be rotated at most once an hour.</p>
      </ConfirmDialog>
    </div>
  );
}
