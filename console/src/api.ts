// The one client of the G-Pilot HTTP API (SPEC.md section 2): the same endpoints any integration uses.

const KEY = 'gpilot.apiKey';
const KEYRING = 'gpilot.keys';

/** A key this tab holds, with what `GET /api/v1/workspaces` said about it. */
export interface HeldKey {
  key: string;
  workspaceId: string;
  name: string;
  role: string;
  /** As the API said last time (a reload renders at once with them, then reads them again). */
  permissions?: string[];
}

/**
 * The API keys of this browser tab's session (sessionStorage: gone when the tab closes): the one in use, and every
 * key signed in with or created for a new workspace in this tab (the workspace switcher lists them; a key belongs to
 * one workspace, so switching workspaces is switching keys).
 */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  keys: (): HeldKey[] => {
    try {
      return JSON.parse(sessionStorage.getItem(KEYRING) ?? '[]') as HeldKey[];
    } catch {
      return [];
    }
  },
  remember: (k: HeldKey) => {
    const others = session.keys().filter((x) => x.key !== k.key);
    sessionStorage.setItem(KEYRING, JSON.stringify([...others, k]));
  },
  forget: (key: string) => {
    sessionStorage.setItem(KEYRING, JSON.stringify(session.keys().filter((x) => x.key !== key)));
  },
  signOut: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(KEYRING);
  },
};

/** A problem response (RFC 9457) or a network failure, with what the user should read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(detail || title);
  }
}

export function authHeaders(): Record<string, string> {
  const key = session.key();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export async function problem(response: Response): Promise<ApiError> {
  let title = response.statusText || `HTTP ${response.status}`;
  let detail = '';
  try {
    const body = await response.json();
    title = body.title ?? title;
    detail = body.detail ?? '';
  } catch {
    // not a problem body
  }
  const retry = response.headers.get('Retry-After');
  return new ApiError(response.status, title, detail, retry != null && /^\d+$/.test(retry) ? Number(retry) : null);
}

/** Signed-out listeners: a 401 anywhere ends the session. */
const unauthorized = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.headers ?? {}) } });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Network error', 'the API did not answer; is it running?');
  }
  if (!response.ok) {
    const error = await problem(response);
    if (response.status === 401) unauthorized.forEach((l) => l());
    throw error;
  }
  return response;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await request(path, init)).json() as Promise<T>;
}

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ------------------------------------------------------------------ types

export type MissionStatus =
  | 'SUBMITTED' | 'PLANNING' | 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT' | 'BUDGET_EXCEEDED';
export const MISSION_STATUSES: MissionStatus[] =
  ['SUBMITTED', 'PLANNING', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'BUDGET_EXCEEDED'];
export const isFinished = (s: string | undefined) =>
  s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELLED' || s === 'TIMED_OUT' || s === 'BUDGET_EXCEEDED';

export interface Usage {
  promptTokens: number;
  outputTokens: number;
  thinkingTokens: number;
  cachedTokens: number;
  totalTokens: number;
}

export interface MissionSummary {
  missionId: string;
  status: MissionStatus;
  mission: string;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  steps: { total: number; succeeded: number; failed: number };
  costMicros: number;
  reason?: string;
}

export interface MissionPage {
  missions: MissionSummary[];
  nextCursor: string | null;
}

export interface AgentCost {
  agent: string;
  totalCostMicros: number;
  percentage: number;
  steps: number;
  missions: number;
  promptTokens: number;
  outputTokens: number;
  thinkingTokens: number;
  cachedTokens: number;
}

export interface CostPoint {
  bucketStart: string;
  agent: string;
  model: string;
  costMicros: number;
  steps: number;
  promptTokens: number;
  outputTokens: number;
}

export interface SecretInfo {
  name: string;
  keyVersion: number;
  fingerprint: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface VaultInfo {
  workspaceId: string;
  keyVersion: number;
  revision: number;
  updatedAt?: number;
  lastRotatedAt?: number;
  secrets: SecretInfo[];
}

export interface Rotation {
  version: number;
  rotatedAt: number;
  rotatedBy: string;
}

export interface Workspace {
  workspaceId: string;
  name: string;
  createdAt?: number;
  createdBy?: string;
  /** Only on the caller's own workspace. */
  role?: string;
  permissions?: string[];
}

export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  role: Role;
  status: 'active' | 'expired' | 'revoked';
  createdAt: number;
  createdBy: string;
  expiresAt?: number | null;
  revokedAt?: number | null;
  revokedBy?: string | null;
  lastUsedAt?: number | null;
}

export interface NewKey {
  keyId: string;
  key: string;
  name: string;
  role: Role;
  workspaceId: string;
  createdAt: number;
  createdBy: string;
  expiresAt?: number;
}

export interface Member {
  email: string;
  role: Role;
  addedAt: number;
  addedBy: string;
}

export interface Invitation {
  invitationId: string;
  workspaceId: string;
  email: string;
  role: Role;
  expiresAt: number;
  token: string;
  acceptPath: string;
}

export const BUDGET_PERIODS = ['day', 'week', 'month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export type BudgetMode = 'hard' | 'soft';

/** What `PUT /api/v1/budgets/{budgetId}` takes (SPEC.md section 11, "Budgets"). */
export interface BudgetDefinition {
  limitMicros: number;
  period: BudgetPeriod;
  resetDay?: number;
  rollover?: boolean;
  mode: BudgetMode;
  agent?: string;
  model?: string;
}

/**
 * A budget as `GET /api/v1/budgets` lists it: its definition and where its current period stands (the job's numbers).
 * The API leaves out fields that are null.
 */
export interface Budget {
  budgetId: string;
  limitMicros: number;
  period: BudgetPeriod;
  resetDay: number;
  rollover: boolean;
  mode: BudgetMode;
  agent?: string | null;
  model?: string | null;
  updatedAt: number;
  updatedBy: string;
  revision: number;
  periodLimitMicros: number;
  spentMicros: number;
  reservedMicros: number;
  remainingMicros: number;
  heldAttempts: number;
  periodStart?: number | null;
  periodEnd?: number | null;
  statusAt?: number | null;
  statusRevision?: number | null;
}

export interface WalletGrant {
  grantId: string;
  amountMicros: number;
  consumedMicros: number;
  expiredMicros: number;
  remainingMicros: number;
  effectiveAt: number;
  expiresAt?: number | null;
  priority: number;
  note?: string | null;
  status: 'active' | 'scheduled' | 'spent' | 'expired';
  createdAt: number;
  createdBy: string;
}

export interface Wallet {
  workspaceId: string;
  /** False until the workspace has a grant: without one, spending has no wallet limit. */
  active: boolean;
  balanceMicros: number;
  reservedMicros: number;
  availableMicros: number;
  heldAttempts: number;
  burnRateMicrosPerHour: number;
  statusAt?: number | null;
  grants: WalletGrant[];
}

/** What `POST /api/v1/wallet/grants` takes. */
export interface NewGrant {
  amountMicros: number;
  effectiveAt?: number;
  expiresAt?: number;
  priority?: number;
  note?: string;
  grantId?: string;
}

export interface LedgerEntry {
  entryId: string;
  at: number;
  kind: 'grant' | 'debit' | 'expiry';
  grantId: string;
  amountMicros: number;
  balanceMicros: number;
  missionId: string;
  stepId: string;
  attempt: number;
  agent: string;
  model: string;
}

export interface CostRange {
  from?: string;
  to?: string;
  agent?: string;
  model?: string;
}

// ------------------------------------------------------------------ endpoints

export const api = {
  /** Any authenticated read: checks a key at sign-in. */
  agents: () => json<{ agents: { name: string; description?: string; model?: string }[] }>('/api/v1/agents'),

  submit: (mission: string, agents: string[]) =>
    json<{ missionId: string }>('/api/v1/missions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(agents.length ? { mission, config: { explicitAgents: agents } } : { mission }),
    }),

  cancel: (id: string) => json<{ status: string }>(`/api/v1/missions/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),

  mission: (id: string) => json<Record<string, unknown>>(`/api/v1/missions/${encodeURIComponent(id)}`),

  missions: (p: { status?: string; q?: string; cursor?: string | null; limit?: number }) =>
    json<MissionPage>(`/api/v1/missions${query(p)}`),

  agentCosts: (r: CostRange) => json<AgentCost[]>(`/api/v1/analytics/agent-costs${query({ ...r })}`),

  agentCostsCsv: async (r: CostRange) =>
    (await request(`/api/v1/analytics/agent-costs${query({ ...r, format: 'csv' })}`)).blob(),

  costSeries: (r: CostRange & { bucket: string }) =>
    json<CostPoint[]>(`/api/v1/analytics/cost-series${query({ ...r })}`),

  vault: () => json<VaultInfo>('/api/v1/vault'),

  rotations: () => json<{ keyVersion: number; rotations: Rotation[] }>('/api/v1/vault/rotations'),

  putSecret: (name: string, value: string) =>
    json<SecretInfo>(`/api/v1/vault/secrets/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ value }),
    }),

  rotate: () => json<{ success: boolean; newVersion: number; rotatedAt: number }>('/api/v1/vault/rotate', { method: 'POST' }),

  /** The caller's workspace (with its role and permissions) and the workspaces it created. */
  workspaces: () => json<{ workspaces: Workspace[] }>('/api/v1/workspaces'),

  /** The same for a key that is not (or not yet) the one in use: a 401 says only that this key is not valid. */
  workspacesOf: async (key: string) => {
    let response: Response;
    try {
      response = await fetch('/api/v1/workspaces', { headers: { Authorization: `Bearer ${key}` } });
    } catch {
      throw new ApiError(0, 'Network error', 'the API did not answer; is it running?');
    }
    if (!response.ok) throw await problem(response);
    return (await response.json()) as { workspaces: Workspace[] };
  },

  createWorkspace: (name: string, workspaceId?: string) =>
    json<Workspace & { ownerKey: NewKey }>('/api/v1/workspaces', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(workspaceId ? { name, workspaceId } : { name }),
    }),

  keys: () => json<{ workspaceId: string; keys: ApiKeyInfo[] }>('/api/v1/keys'),

  createKey: (name: string, role: Role, expiresAt?: number) =>
    json<NewKey>('/api/v1/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(expiresAt ? { name, role, expiresAt } : { name, role }),
    }),

  revokeKey: async (keyId: string) => {
    await request(`/api/v1/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
  },

  members: () => json<{ workspaceId: string; members: Member[] }>('/api/v1/members'),

  setMember: (email: string, role: Role) =>
    json<Member>('/api/v1/members', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, role }),
    }),

  removeMember: async (email: string) => {
    await request(`/api/v1/members/${encodeURIComponent(email)}`, { method: 'DELETE' });
  },

  budgets: () => json<{ workspaceId: string; budgets: Budget[] }>('/api/v1/budgets'),

  /** Creates the budget or replaces its definition. */
  putBudget: (budgetId: string, definition: BudgetDefinition) =>
    json<Budget>(`/api/v1/budgets/${encodeURIComponent(budgetId)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(definition),
    }),

  deleteBudget: async (budgetId: string) => {
    await request(`/api/v1/budgets/${encodeURIComponent(budgetId)}`, { method: 'DELETE' });
  },

  wallet: () => json<Wallet>('/api/v1/wallet'),

  /** Ledger lines from `from` (ISO-8601), oldest first, at most `limit`. */
  ledger: (p: { from?: string; to?: string; limit?: number }) =>
    json<{ workspaceId: string; entries: LedgerEntry[] }>(`/api/v1/wallet/ledger${query(p)}`),

  addGrant: (grant: NewGrant) =>
    json<WalletGrant>('/api/v1/wallet/grants', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(grant),
    }),

  invite: (email: string, role: Role) =>
    json<Invitation>('/api/v1/invitations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, role }),
    }),
};
