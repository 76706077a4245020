import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useAccess } from '../access';
import {
  api, ROLES, session, type ApiKeyInfo, type Invitation, type Member, type NewKey, type Role, type Workspace,
} from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useToast } from '../components/Toasts';
import { time } from '../format';
import { useTitle } from '../router';
import { BudgetsSection, WalletSection } from './Money';

/** Roles a caller may give: keys up to its own role; members up to Admin, Owner only with ownership_manage. */
function keyRoles(role: string): Role[] {
  const i = ROLES.indexOf(role as Role);
  return i < 0 ? [] : ROLES.slice(0, i + 1);
}

async function copy(text: string) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** A secret shown once (a new key, an invitation's token): selectable, with a copy button. */
function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const toast = useToast();
  return (
    <div className="card once stack" role="region" aria-label={label}>
      <strong>{label}</strong>
      <p className="small">Shown only now: copy it before closing; the server keeps only its hash.</p>
      <code className="secret" data-testid="shown-once">{value}</code>
      <div className="row wrap">
        <button type="button" onClick={async () => { await copy(value); toast.show('success', 'Copied to clipboard'); }}>
          Copy
        </button>
        <button type="button" onClick={onDone}>Done</button>
      </div>
    </div>
  );
}

/**
 * The caller's workspace (SPEC.md section 11): its members, its API keys, its budgets and wallet, and the workspaces
 * it created. Forms and buttons show only for roles that may use them; the server checks every request all the same.
 */
export function WorkspacePage() {
  useTitle('Workspace');
  const access = useAccess();
  const toast = useToast();
  const [workspaces, setWorkspaces] = useState<Workspace[]>([]);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [keys, setKeys] = useState<ApiKeyInfo[] | null>(null);

  const load = useCallback(async () => {
    try {
      const [w, m, k] = await Promise.all([
        api.workspaces(),
        api.members(),
        access.can('keys_manage') ? api.keys() : Promise.resolve(null),
      ]);
      setWorkspaces(w.workspaces);
      setMembers(m.members);
      setKeys(k?.keys ?? null);
    } catch (e) {
      toast.show('error', `Workspace: ${(e as Error).message}`);
    }
  }, [access, toast]);
  useEffect(() => {
    load();
  }, [load]);

  const held = session.keys();
  const others = workspaces.filter((w) => w.workspaceId !== access.workspaceId);

  return (
    <div className="stack">
      <h1>Workspace {access.name && <code className="id">{access.workspaceId}</code>}</h1>
      <dl className="facts">
        <div><dt>Name</dt><dd>{access.name || '—'}</dd></div>
        <div><dt>Your role</dt><dd data-testid="my-role">{access.role || '—'}</dd></div>
        <div><dt>Members</dt><dd>{members?.length ?? '—'}</dd></div>
        {keys && <div><dt>Active keys</dt><dd>{keys.filter((k) => k.status === 'active').length}</dd></div>}
      </dl>

      <Members members={members} onChanged={load} />
      {access.can('keys_manage') && <Keys keys={keys} onChanged={load} />}
      <BudgetsSection />
      <WalletSection />

      <section className="card stack" aria-labelledby="ws-title">
        <h2 id="ws-title">Workspaces</h2>
        <p className="muted small">
          A key belongs to one workspace: the switcher at the top lists the keys this tab holds. Workspaces you created
          are listed here; use one of their keys to open them.
        </p>
        <ul className="plain">
          <li>
            <strong>{access.name}</strong> <code>{access.workspaceId}</code> <span className="muted">(this one, as {access.role})</span>
          </li>
          {others.map((w) => {
            const key = held.find((k) => k.workspaceId === w.workspaceId);
            return (
              <li key={w.workspaceId}>
                <strong>{w.name}</strong> <code>{w.workspaceId}</code>{' '}
                {key ? (
                  <button type="button" className="link" onClick={() => access.switchTo(key.key)}>Switch to it</button>
                ) : (
                  <span className="muted">no key for it in this tab</span>
                )}
              </li>
            );
          })}
        </ul>
        {access.can('workspaces_create') && <CreateWorkspace onCreated={load} />}
      </section>
    </div>
  );
}

function Members({ members, onChanged }: { members: Member[] | null; onChanged: () => void }) {
  const access = useAccess();
  const toast = useToast();
  const manage = access.can('members_manage');
  const roles: Role[] = access.can('ownership_manage') ? [...ROLES] : ['viewer', 'member', 'admin'];
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  /** Giving, changing or removing the owner role also needs ownership_manage (SPEC.md section 11). */
  const mayChange = (m: Member) => manage && (m.role !== 'owner' || access.can('ownership_manage'));

  async function remove() {
    const m = removing;
    setRemoving(null);
    if (!m) return;
    try {
      await api.removeMember(m.email);
      toast.show('success', `${m.email} removed`);
      onChanged();
    } catch (e) {
      toast.show('error', `Removing the member failed: ${(e as Error).message}`);
    }
  }

  async function change(m: Member, to: Role) {
    try {
      await api.setMember(m.email, to);
      toast.show('success', `${m.email} is now ${to}`);
      onChanged();
    } catch (e) {
      toast.show('error', `Changing the role failed: ${(e as Error).message}`);
    }
  }

  async function submit(e: FormEvent, kind: 'invite' | 'add') {
    e.preventDefault();
    setBusy(true);
    try {
      if (kind === 'invite') {
        setInvitation(await api.invite(email.trim(), role));
        toast.show('success', `Invitation for ${email.trim()} created`);
      } else {
        await api.setMember(email.trim(), role);
        toast.show('success', `${email.trim()} added as ${role}`);
      }
      setEmail('');
      onChanged();
    } catch (err) {
      toast.show('error', `${kind === 'invite' ? 'Invitation' : 'Adding the member'} failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="stack" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <table className="table responsive members">
        <caption className="sr-only">Members of this workspace</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Added</th>
            <th scope="col">By</th>
            {manage && <th scope="col"><span className="sr-only">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {members?.map((m) => (
            <tr key={m.email}>
              <td data-label="Email">{m.email}</td>
              <td data-label="Role">
                {mayChange(m) ? (
                  <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => change(m, e.target.value as Role)}>
                    {roles.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              <td data-label="Added">{time(m.addedAt)}</td>
              <td data-label="By">{m.addedBy}</td>
              {manage && (
                <td data-label="Actions">
                  {mayChange(m) && (
                    <button type="button" className="danger" onClick={() => setRemoving(m)} aria-label={`Remove member ${m.email}`}>
                      Remove
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
          {members && members.length === 0 && <tr><td colSpan={manage ? 5 : 4} className="muted">No members yet: API keys work without them.</td></tr>}
        </tbody>
      </table>
      {manage && (
        <form className="card stack" aria-labelledby="invite-title" onSubmit={(e) => submit(e, 'invite')}>
          <h3 id="invite-title">Invite or add a member</h3>
          <div className="row wrap filters">
            <label className="grow">
              Email
              <input type="email" aria-label="Email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="off" />
            </label>
            <label>
              Role
              <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {roles.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </label>
          </div>
          <div className="row wrap">
            <button type="submit" className="primary" disabled={busy || !email.trim()}>Invite</button>
            <button type="button" disabled={busy || !email.trim()} onClick={(e) => submit(e, 'add')}>Add without invitation</button>
          </div>
          <p className="muted small">
            An invitation gives a one-time link; accepting it makes the person a member with an API key of that role.
            Removing a member also revokes the keys their invitations gave them; other API keys stay (revoke them
            below).
          </p>
        </form>
      )}
      {invitation && (
        <ShownOnce
          label={`Invitation for ${invitation.email} (${invitation.role})`}
          value={`${location.origin}${invitation.acceptPath}`}
          onDone={() => setInvitation(null)}
        />
      )}
      <ConfirmDialog
        open={removing != null}
        title="Remove this member?"
        confirmLabel="Remove"
        onConfirm={remove}
        onCancel={() => setRemoving(null)}
      >
        <p>
          <strong>{removing?.email}</strong> ({removing?.role}) is no longer a member, and the API keys they got by
          accepting invitations to this workspace stop working at once. The workspace's last owner cannot be removed
          (transfer ownership first).
        </p>
      </ConfirmDialog>
    </section>
  );
}

function Keys({ keys, onChanged }: { keys: ApiKeyInfo[] | null; onChanged: () => void }) {
  const access = useAccess();
  const toast = useToast();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<NewKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const k = await api.createKey(name.trim(), role, expires ? new Date(expires).getTime() : undefined);
      setCreated(k);
      setName('');
      toast.show('success', `Key ${k.name} created`);
      onChanged();
    } catch (err) {
      toast.show('error', `Creating the key failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function revoke() {
    const k = revoking;
    setRevoking(null);
    if (!k) return;
    try {
      await api.revokeKey(k.keyId);
      toast.show('success', `Key ${k.name} revoked`);
      onChanged();
    } catch (err) {
      toast.show('error', `Revoking the key failed: ${(err as Error).message}`);
    }
  }

  return (
    <section className="stack" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <table className="table responsive keys">
        <caption className="sr-only">API keys of this workspace, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key id</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {keys?.map((k) => (
            <tr key={k.keyId} data-key-id={k.keyId}>
              <td data-label="Name">{k.name}</td>
              <td data-label="Key id"><code>{k.keyId}</code></td>
              <td data-label="Role">{k.role}</td>
              <td data-label="Status"><span className={`badge key-${k.status}`}>{k.status}</span></td>
              <td data-label="Created">{time(k.createdAt)} <span className="muted">by {k.createdBy}</span></td>
              <td data-label="Last used">{time(k.lastUsedAt)}</td>
              <td data-label="Expires">{k.expiresAt ? time(k.expiresAt) : 'never'}</td>
              <td data-label="Actions">
                {k.status === 'active' && (k.role !== 'owner' || access.role === 'owner') && (
                  <button type="button" className="danger" onClick={() => setRevoking(k)} aria-label={`Revoke key ${k.name} (${k.keyId})`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
          {keys && keys.length === 0 && <tr><td colSpan={8} className="muted">No API keys yet (the tokens file's token is not listed).</td></tr>}
        </tbody>
      </table>
      <form className="card stack" aria-labelledby="new-key-title" onSubmit={create}>
        <h3 id="new-key-title">Create an API key</h3>
        <div className="row wrap filters">
          <label className="grow">
            Key name
            <input aria-label="Key name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoComplete="off" />
          </label>
          <label>
            Key role
            <select aria-label="Key role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {keyRoles(access.role).map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </label>
          <label>
            Expires (optional)
            <input type="datetime-local" aria-label="Expires (optional)" value={expires} onChange={(e) => setExpires(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !name.trim()}>Create key</button>
        </div>
      </form>
      {created && (
        <ShownOnce label={`New key ${created.name} (${created.role})`} value={created.key} onDone={() => setCreated(null)} />
      )}
      <ConfirmDialog
        open={revoking != null}
        title="Revoke this key?"
        confirmLabel="Revoke"
        onConfirm={revoke}
        onCancel={() => setRevoking(null)}
      >
        <p>
          <strong>{revoking?.name}</strong> (<code>{revoking?.keyId}</code>, {revoking?.role}) stops working at once, on
          every API instance within a second. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function CreateWorkspace({ onCreated }: { onCreated: () => void }) {
  const toast = useToast();
  const access = useAccess();
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<(Workspace & { ownerKey: NewKey }) | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const w = await api.createWorkspace(name.trim(), id.trim() || undefined);
      session.remember({ key: w.ownerKey.key, workspaceId: w.workspaceId, name: w.name, role: 'owner' });
      setCreated(w);
      setName('');
      setId('');
      toast.show('success', `Workspace ${w.name} created`);
      onCreated();
    } catch (err) {
      toast.show('error', `Creating the workspace failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form className="stack" aria-labelledby="new-ws-title" onSubmit={submit}>
        <h3 id="new-ws-title">Create a workspace</h3>
        <div className="row wrap filters">
          <label className="grow">
            Workspace name
            <input aria-label="Workspace name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoComplete="off" />
          </label>
          <label className="grow">
            Id (optional)
            <input aria-label="Id (optional)" value={id} onChange={(e) => setId(e.target.value)} pattern="[a-z0-9-]{1,63}" autoComplete="off" />
          </label>
        </div>
        <div className="row">
          <button type="submit" disabled={busy || !name.trim()}>Create workspace</button>
        </div>
      </form>
      {created && (
        <div className="stack">
          <ShownOnce
            label={`Owner key of ${created.name}`}
            value={created.ownerKey.key}
            onDone={() => setCreated(null)}
          />
          <div className="row">
            <button type="button" className="primary" onClick={() => access.switchTo(created.ownerKey.key)}>
              Switch to {created.name}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
