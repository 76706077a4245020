import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, session, type HeldKey } from './api';

// What the signed-in key may do, from `GET /api/v1/workspaces` (the caller's own workspace carries its role and
// permissions, SPEC.md section 11). The console hides what the role cannot do; the server checks every request
// all the same (a 403 still shows as an error toast).

export interface Access {
  workspaceId: string;
  name: string;
  role: string;
  permissions: ReadonlySet<string>;
  can: (permission: string) => boolean;
  /** Reads the caller's workspace again. */
  reload: () => Promise<void>;
  /** Uses another key of the tab's key ring (another workspace, or another role). */
  switchTo: (key: string) => void;
}

const NONE: Access = {
  workspaceId: '',
  name: '',
  role: '',
  permissions: new Set(),
  can: () => false,
  reload: async () => {},
  switchTo: () => {},
};

const Context = createContext<Access>(NONE);
export const useAccess = () => useContext(Context);

/** The caller's own workspace, remembered in the tab's key ring (for the switcher). */
export async function whoAmI(key: string, inUse = true): Promise<HeldKey & { permissions: string[] }> {
  // The key in use goes through the client (a 401 ends the session); a key being added does not.
  const { workspaces } = inUse && key === session.key() ? await api.workspaces() : await api.workspacesOf(key);
  const own = workspaces.find((w) => w.role) ?? workspaces[0];
  const held = { key, workspaceId: own.workspaceId, name: own.name, role: own.role ?? '', permissions: own.permissions ?? [] };
  session.remember(held);
  return held;
}

/**
 * Loads the access of the key in use before rendering the pages (a few milliseconds: no control shows and then
 * disappears); again whenever `activeKey` changes.
 */
export function AccessProvider({ activeKey, children, fallback, onError, onSwitch }: {
  activeKey: string | null;
  onSwitch: (key: string) => void;
  children: ReactNode;
  fallback: ReactNode;
  onError: (e: unknown) => void;
}) {
  // A key this tab has read before renders at once with what it said then (and is read again below).
  const remembered = (key: string | null) => {
    const held = session.keys().find((k) => k.key === key);
    return key && held?.permissions ? { key, held: { ...held, permissions: held.permissions } } : null;
  };
  const [state, setState] = useState<{ key: string; held: Awaited<ReturnType<typeof whoAmI>> } | null>(() => remembered(activeKey));
  useEffect(() => {
    setState((s) => (s?.key === activeKey ? s : remembered(activeKey)));
  }, [activeKey]);

  const load = useCallback(async () => {
    if (!activeKey) return;
    try {
      const held = await whoAmI(activeKey);
      setState({ key: activeKey, held });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // the App signs out
      onError(e);
      // Unknown: offer everything; the server refuses what the role cannot do.
      setState({ key: activeKey, held: { key: activeKey, workspaceId: '', name: '', role: '', permissions: ['*'] } });
    }
  }, [activeKey, onError]);

  useEffect(() => {
    load();
  }, [load]);

  const value = useMemo<Access>(() => {
    if (!state) return NONE;
    const permissions = new Set(state.held.permissions);
    return {
      workspaceId: state.held.workspaceId,
      name: state.held.name,
      role: state.held.role,
      permissions,
      can: (p: string) => permissions.has(p) || permissions.has('*'),
      reload: load,
      switchTo: onSwitch,
    };
  }, [state, load, onSwitch]);

  if (!activeKey) return <>{children}</>;
  if (!state || state.key !== activeKey) return <>{fallback}</>;
  return <Context.Provider value={value}>{children}</Context.Provider>;
}
