import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useAccess } from '../access';
import {
  api, BUDGET_PERIODS, type Budget, type BudgetDefinition, type BudgetMode, type BudgetPeriod, type LedgerEntry,
  type NewGrant, type Wallet,
} from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Updated } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { exactCredits, parseCredits, time } from '../format';
import { budgetDefinition, EMPTY_BUDGET, type BudgetForm } from '../money';
import { Link } from '../router';
import { usePolling } from '../usePolling';

// The workspace's budgets and wallet (SPEC.md section 11, "Budgets" and "Wallets"). Money is integer micro-credits
// end to end: shown with exactCredits, typed in credits and parsed with parseCredits (string arithmetic), never a
// floating-point sum. Both sections refresh by themselves while the page is shown (usePolling); the forms and the
// delete confirmation are state of their own, which a refresh never touches.

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const BUDGET_ID = '[a-z0-9][a-z0-9\\-]{0,62}';
/** How many of the ledger's newest lines the page shows. */
const LATEST = 20;

/** Micro-credits as credits, the exact integer in a tooltip. */
function Money({ micros }: { micros: number | null | undefined }) {
  return <span title={micros == null ? undefined : `${micros.toLocaleString('en-US')} micro-credits`}>{exactCredits(micros)}</span>;
}

function periodText(b: Pick<Budget, 'period' | 'resetDay' | 'rollover'>): string {
  const rollover = b.rollover ? ', unspent rolls over' : '';
  if (b.period === 'month') return `month, from day ${b.resetDay || 1}${rollover}`;
  if (b.period === 'week') return `week, from ${WEEKDAYS[(b.resetDay || 1) - 1]}${rollover}`;
  if (b.period === 'day') return `day${rollover}`;
  return 'total (never resets)';
}

function scopeText(b: Pick<Budget, 'agent' | 'model'>): string {
  if (b.agent && b.model) return `${b.agent} on ${b.model}`;
  if (b.agent) return `agent ${b.agent}`;
  if (b.model) return `model ${b.model}`;
  return 'whole workspace';
}

/** An error's words for a toast: the problem's detail when the API sent one. */
const reason = (e: unknown) => (e as Error).message;

// ------------------------------------------------------------------ budgets

export function BudgetsSection() {
  const access = useAccess();
  const toast = useToast();
  const manage = access.can('budgets_manage');
  const [budgets, setBudgets] = useState<Budget[] | null>(null);
  const [deleting, setDeleting] = useState<Budget | null>(null);
  const [form, setForm] = useState<BudgetForm>(EMPTY_BUDGET);
  const [limitError, setLimitError] = useState('');
  const [busy, setBusy] = useState(false);
  const [agents, setAgents] = useState<{ name: string; model?: string }[]>([]);
  const limitHint = useId();

  const load = useCallback(async () => (await api.budgets()).budgets, []);
  const { updated, refresh } = usePolling(load, setBudgets, (e) => toast.show('error', `Budgets: ${reason(e)}`));
  useEffect(() => {
    if (manage) api.agents().then((a) => setAgents(a.agents), () => {});
  }, [manage]);

  const set = <K extends keyof BudgetForm>(k: K, v: BudgetForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  function edit(b: Budget) {
    setForm({
      budgetId: b.budgetId, limit: exactCredits(b.limitMicros).replace(/,/g, ''), period: b.period, resetDay: b.resetDay || 1,
      rollover: b.rollover, mode: b.mode, agent: b.agent ?? '', model: b.model ?? '',
    });
    setLimitError('');
    document.getElementById('budget-form')?.scrollIntoView({ block: 'nearest' });
    (document.getElementById('budget-limit') as HTMLInputElement | null)?.focus();
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    let definition: BudgetDefinition;
    try {
      definition = budgetDefinition(form);
    } catch (err) {
      setLimitError(`Limit: ${reason(err)}`);
      return;
    }
    setLimitError('');
    setBusy(true);
    try {
      const b = await api.putBudget(form.budgetId.trim(), definition);
      toast.show('success', `Budget ${b.budgetId} saved: ${exactCredits(b.limitMicros)} credits ${b.period === 'total' ? 'in total' : `a ${b.period}`}`);
      setForm(EMPTY_BUDGET);
      await refresh();
    } catch (err) {
      toast.show('error', `Saving the budget failed: ${reason(err)}`);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    const b = deleting;
    setDeleting(null);
    if (!b) return;
    try {
      await api.deleteBudget(b.budgetId);
      toast.show('success', `Budget ${b.budgetId} deleted`);
      await refresh();
    } catch (err) {
      toast.show('error', `Deleting the budget failed: ${reason(err)}`);
    }
  }

  return (
    <section className="stack" aria-labelledby="budgets-title">
      <div className="row wrap between">
        <h2 id="budgets-title">Budgets</h2>
        <div className="row wrap">
          <Updated at={updated} />
          <button type="button" onClick={refresh}>Refresh budgets</button>
        </div>
      </div>
      <p className="muted small">
        What the workspace may spend per period, in credits (1 credit = 1,000,000 micro-credits). A hard budget pauses
        a mission whose next step it cannot cover; a soft one only raises alerts at 80 % and 100 %. Spent, reserved and
        left are the current period's, as the job last reported them.
      </p>
      <table className="table responsive budgets">
        <caption className="sr-only">Budgets of this workspace, by id</caption>
        <thead>
          <tr>
            <th scope="col">Budget</th>
            <th scope="col" className="num">Limit</th>
            <th scope="col">Period</th>
            <th scope="col">Mode</th>
            <th scope="col">Scope</th>
            <th scope="col" className="num">Spent</th>
            <th scope="col" className="num">Reserved</th>
            <th scope="col" className="num">Left</th>
            <th scope="col">Status</th>
            {manage && <th scope="col"><span className="sr-only">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {budgets?.map((b) => {
            const reported = b.statusRevision != null && b.statusRevision >= b.revision;
            return (
              <tr key={b.budgetId} data-budget-id={b.budgetId}>
                <td data-label="Budget"><code>{b.budgetId}</code></td>
                <td data-label="Limit" className="num">
                  <Money micros={b.limitMicros} />
                  {b.periodLimitMicros !== b.limitMicros && (
                    <span className="muted small"> (this period <Money micros={b.periodLimitMicros} />)</span>
                  )}
                </td>
                <td data-label="Period">{periodText(b)}</td>
                <td data-label="Mode"><span className={`badge mode-${b.mode}`}>{b.mode}</span></td>
                <td data-label="Scope">{scopeText(b)}</td>
                <td data-label="Spent" className="num"><Money micros={b.spentMicros} /></td>
                <td data-label="Reserved" className="num"><Money micros={b.reservedMicros} /></td>
                <td data-label="Left" className="num"><Money micros={b.remainingMicros} /></td>
                <td data-label="Status" className="small">
                  {b.heldAttempts > 0 && <strong className="error">{b.heldAttempts} held · </strong>}
                  {reported ? (
                    <>
                      {b.periodStart != null && <>since {time(b.periodStart)}{b.periodEnd != null && <>, until {time(b.periodEnd)}</>}; </>}
                      <span className="muted">as of {time(b.statusAt)}</span>
                    </>
                  ) : (
                    <span className="muted">not reported by the job yet</span>
                  )}
                </td>
                {manage && (
                  <td data-label="Actions">
                    <div className="row wrap">
                      <button type="button" onClick={() => edit(b)} aria-label={`Edit budget ${b.budgetId}`}>Edit</button>
                      <button type="button" className="danger" onClick={() => setDeleting(b)} aria-label={`Delete budget ${b.budgetId}`}>
                        Delete
                      </button>
                    </div>
                  </td>
                )}
              </tr>
            );
          })}
          {budgets && budgets.length === 0 && (
            <tr><td colSpan={manage ? 10 : 9} className="muted">No budgets: nothing limits what this workspace spends per period.</td></tr>
          )}
        </tbody>
      </table>

      {manage ? (
        <form id="budget-form" className="card stack" aria-labelledby="budget-form-title" onSubmit={save}>
          <h3 id="budget-form-title">Create or change a budget</h3>
          <div className="row wrap filters">
            <label className="grow">
              Budget id
              <input aria-label="Budget id" value={form.budgetId} onChange={(e) => set('budgetId', e.target.value)} required
                pattern={BUDGET_ID} maxLength={63} autoComplete="off" title="1-63 of a-z 0-9 -, starting with a letter or digit" />
            </label>
            <label className="grow">
              Limit (credits)
              <input id="budget-limit" aria-label="Limit (credits)" inputMode="decimal" value={form.limit} required autoComplete="off"
                onChange={(e) => { set('limit', e.target.value); setLimitError(''); }}
                aria-invalid={limitError ? true : undefined} aria-describedby={limitHint} placeholder="e.g. 5 or 12.5" />
            </label>
            <label>
              Period
              <select aria-label="Period" value={form.period} onChange={(e) => set('period', e.target.value as BudgetPeriod)}>
                {BUDGET_PERIODS.map((p) => <option key={p} value={p}>{p}</option>)}
              </select>
            </label>
            {form.period === 'month' && (
              <label>
                Reset day
                <input type="number" aria-label="Reset day" min={1} max={28} value={form.resetDay} required
                  onChange={(e) => set('resetDay', Number(e.target.value))} />
              </label>
            )}
            {form.period === 'week' && (
              <label>
                Reset day
                <select aria-label="Reset day" value={form.resetDay > 7 ? 1 : form.resetDay} onChange={(e) => set('resetDay', Number(e.target.value))}>
                  {WEEKDAYS.map((d, i) => <option key={d} value={i + 1}>{d}</option>)}
                </select>
              </label>
            )}
            <label>
              Mode
              <select aria-label="Mode" value={form.mode} onChange={(e) => set('mode', e.target.value as BudgetMode)}>
                <option value="hard">hard (pauses missions)</option>
                <option value="soft">soft (alerts only)</option>
              </select>
            </label>
          </div>
          <div className="row wrap filters">
            <label className="grow">
              Agent (optional)
              <input aria-label="Agent (optional)" list="budget-agents" value={form.agent} onChange={(e) => set('agent', e.target.value)}
                maxLength={64} autoComplete="off" />
            </label>
            <datalist id="budget-agents">{agents.map((a) => <option key={a.name} value={a.name} />)}</datalist>
            <label className="grow">
              Model (optional)
              <input aria-label="Model (optional)" list="budget-models" value={form.model} onChange={(e) => set('model', e.target.value)}
                maxLength={128} autoComplete="off" />
            </label>
            <datalist id="budget-models">
              {[...new Set(agents.map((a) => a.model).filter((m): m is string => !!m))].map((m) => <option key={m} value={m} />)}
            </datalist>
            {form.period !== 'total' && (
              <label className="check">
                <input type="checkbox" checked={form.rollover} onChange={(e) => set('rollover', e.target.checked)} />
                Rollover (what is left unspent carries over)
              </label>
            )}
          </div>
          <p id={limitHint} className={limitError ? 'error' : 'muted small'} role={limitError ? 'alert' : undefined}>
            {limitError || 'Up to 6 decimals (0.000001 credits is one micro-credit). Without an agent or a model, the budget covers the whole workspace.'}
          </p>
          <div className="row wrap">
            <button type="submit" className="primary" disabled={busy || !form.budgetId.trim() || !form.limit.trim()}>Save budget</button>
            {form !== EMPTY_BUDGET && (
              <button type="button" onClick={() => { setForm(EMPTY_BUDGET); setLimitError(''); }}>Clear</button>
            )}
          </div>
        </form>
      ) : (
        <p className="muted small">Your role ({access.role}) can read the budgets but not change them.</p>
      )}

      <ConfirmDialog
        open={deleting != null}
        title="Delete this budget?"
        confirmLabel="Delete"
        onConfirm={remove}
        onCancel={() => setDeleting(null)}
      >
        <p>
          <strong>{deleting?.budgetId}</strong> ({deleting && exactCredits(deleting.limitMicros)} credits, {deleting && periodText(deleting)},{' '}
          {deleting?.mode}) stops limiting {deleting && scopeText(deleting)} at once; steps waiting only for it go on.
        </p>
      </ConfirmDialog>
    </section>
  );
}

// ------------------------------------------------------------------ wallet

/** The ledger's newest lines: the API answers oldest first, so the page reads the shortest recent window holding enough. */
async function latestLedger(now = Date.now()): Promise<{ entries: LedgerEntry[]; truncated: boolean }> {
  const windows = [3_600_000, 7 * 86_400_000, null];
  let entries: LedgerEntry[] = [];
  for (const w of windows) {
    entries = (await api.ledger(w == null ? {} : { from: new Date(now - w).toISOString() })).entries;
    if (entries.length >= LATEST) break;
  }
  return { entries: entries.slice(-LATEST).reverse(), truncated: entries.length >= 10_000 };
}

interface GrantForm {
  amount: string;
  expires: string;
  priority: string;
  note: string;
  grantId: string;
}
const EMPTY_GRANT: GrantForm = { amount: '', expires: '', priority: '10', note: '', grantId: '' };

export function WalletSection() {
  const access = useAccess();
  const toast = useToast();
  const manage = access.can('wallets_manage');
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [ledger, setLedger] = useState<{ entries: LedgerEntry[]; truncated: boolean } | null>(null);
  const [ledgerError, setLedgerError] = useState('');
  const [form, setForm] = useState<GrantForm>(EMPTY_GRANT);
  const [amountError, setAmountError] = useState('');
  const [busy, setBusy] = useState(false);
  const amountHint = useId();

  const load = useCallback(async () => {
    const current = await api.wallet();
    try {
      return { current, ledger: await latestLedger(), ledgerError: '' };
    } catch (e) {
      return { current, ledger: null, ledgerError: reason(e) }; // ClickHouse down (503): the rest still shows
    }
  }, []);
  const show = useCallback((w: Awaited<ReturnType<typeof load>>) => {
    setWallet(w.current);
    if (w.ledger) setLedger(w.ledger);
    setLedgerError(w.ledgerError);
  }, []);
  const { updated, refresh } = usePolling(load, show, (e) => toast.show('error', `Wallet: ${reason(e)}`));

  const set = <K extends keyof GrantForm>(k: K, v: GrantForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  async function add(e: FormEvent) {
    e.preventDefault();
    const grant: NewGrant = { amountMicros: 0 };
    try {
      grant.amountMicros = parseCredits(form.amount);
      if (grant.amountMicros <= 0) throw new Error('a grant adds more than 0 credits');
    } catch (err) {
      setAmountError(`Amount: ${reason(err)}`);
      return;
    }
    setAmountError('');
    if (form.expires) grant.expiresAt = new Date(form.expires).getTime();
    if (form.priority.trim() !== '') grant.priority = Number(form.priority);
    if (form.note.trim()) grant.note = form.note.trim();
    if (form.grantId.trim()) grant.grantId = form.grantId.trim();
    setBusy(true);
    try {
      const g = await api.addGrant(grant);
      toast.show('success', `Grant ${g.grantId} added: ${exactCredits(g.amountMicros)} credits`);
      setForm(EMPTY_GRANT);
      await refresh();
    } catch (err) {
      toast.show('error', `Adding the grant failed: ${reason(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="stack" aria-labelledby="wallet-title">
      <div className="row wrap between">
        <h2 id="wallet-title">Wallet</h2>
        <div className="row wrap">
          <Updated at={updated} />
          <button type="button" onClick={refresh}>Refresh wallet</button>
        </div>
      </div>
      <dl className="facts">
        <div><dt>Balance</dt><dd data-testid="wallet-balance"><Money micros={wallet?.balanceMicros} /></dd></div>
        <div><dt>Reserved</dt><dd data-testid="wallet-reserved"><Money micros={wallet?.reservedMicros} /></dd></div>
        <div><dt>Available</dt><dd data-testid="wallet-available"><Money micros={wallet?.availableMicros} /></dd></div>
        <div><dt>Burn rate / hour</dt><dd><Money micros={wallet?.burnRateMicrosPerHour} /></dd></div>
        <div><dt>Held attempts</dt><dd>{wallet?.heldAttempts ?? '—'}</dd></div>
      </dl>
      <p className="muted small">
        {wallet && !wallet.active
          ? 'No grants yet: this workspace spends without a wallet limit. Once it has a grant, its balance is a hard limit: a step it cannot cover waits (the mission is paused).'
          : `Credits in force, drawn by priority (lowest first), then soonest expiry. Balance as the job last reported it${wallet?.statusAt ? ` (${time(wallet.statusAt)})` : ''}.`}
      </p>

      <table className="table responsive grants">
        <caption>Grants</caption>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col" className="num">Amount</th>
            <th scope="col" className="num">Left</th>
            <th scope="col" className="num">Used</th>
            <th scope="col">Status</th>
            <th scope="col">Effective</th>
            <th scope="col">Expires</th>
            <th scope="col" className="num">Priority</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {wallet?.grants.map((g) => (
            <tr key={g.grantId} data-grant-id={g.grantId}>
              <td data-label="Grant"><code>{g.grantId}</code></td>
              <td data-label="Amount" className="num"><Money micros={g.amountMicros} /></td>
              <td data-label="Left" className="num"><Money micros={g.remainingMicros} /></td>
              <td data-label="Used" className="num">
                <Money micros={g.consumedMicros} />
                {g.expiredMicros > 0 && <span className="muted small"> (+<Money micros={g.expiredMicros} /> expired)</span>}
              </td>
              <td data-label="Status"><span className={`badge grant-${g.status}`}>{g.status}</span></td>
              <td data-label="Effective">{time(g.effectiveAt)}</td>
              <td data-label="Expires">{g.expiresAt ? time(g.expiresAt) : 'never'}</td>
              <td data-label="Priority" className="num">{g.priority}</td>
              <td data-label="Note">{g.note ?? ''} <span className="muted small">by {g.createdBy}</span></td>
            </tr>
          ))}
          {wallet && wallet.grants.length === 0 && <tr><td colSpan={9} className="muted">No grants.</td></tr>}
        </tbody>
      </table>

      {manage && (
        <form className="card stack" aria-labelledby="grant-form-title" onSubmit={add}>
          <h3 id="grant-form-title">Add a grant</h3>
          <div className="row wrap filters">
            <label className="grow">
              Amount (credits)
              <input aria-label="Amount (credits)" inputMode="decimal" value={form.amount} required autoComplete="off"
                onChange={(e) => { set('amount', e.target.value); setAmountError(''); }}
                aria-invalid={amountError ? true : undefined} aria-describedby={amountHint} placeholder="e.g. 10 or 2.5" />
            </label>
            <label>
              Grant expires (optional)
              <input type="datetime-local" aria-label="Grant expires (optional)" value={form.expires} onChange={(e) => set('expires', e.target.value)} />
            </label>
            <label>
              Priority
              <input type="number" aria-label="Priority" min={0} max={1000} value={form.priority} onChange={(e) => set('priority', e.target.value)} />
            </label>
          </div>
          <div className="row wrap filters">
            <label className="grow">
              Note (optional)
              <input aria-label="Note (optional)" value={form.note} maxLength={200} onChange={(e) => set('note', e.target.value)} autoComplete="off" />
            </label>
            <label className="grow">
              Grant id (optional)
              <input aria-label="Grant id (optional)" value={form.grantId} pattern={BUDGET_ID} maxLength={63}
                onChange={(e) => set('grantId', e.target.value)} autoComplete="off" />
            </label>
          </div>
          <p id={amountHint} className={amountError ? 'error' : 'muted small'} role={amountError ? 'alert' : undefined}>
            {amountError || 'Up to 6 decimals. Lower priorities are drawn first; a grant that expires loses what it has left.'}
          </p>
          <div className="row">
            <button type="submit" className="primary" disabled={busy || !form.amount.trim()}>Add grant</button>
          </div>
        </form>
      )}

      <table className="table responsive ledger">
        <caption>Latest ledger entries{ledger && ledger.entries.length > 0 ? `, newest first (the last ${ledger.entries.length})` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">At</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">Amount</th>
            <th scope="col" className="num">Balance after</th>
            <th scope="col">Grant</th>
            <th scope="col">Mission and step</th>
            <th scope="col">Agent and model</th>
          </tr>
        </thead>
        <tbody>
          {ledger?.entries.map((l) => (
            <tr key={l.entryId}>
              <td data-label="At">{time(l.at)}</td>
              <td data-label="Kind">{l.kind}</td>
              <td data-label="Amount" className="num">{l.amountMicros > 0 ? '+' : ''}<Money micros={l.amountMicros} /></td>
              <td data-label="Balance after" className="num"><Money micros={l.balanceMicros} /></td>
              <td data-label="Grant"><code>{l.grantId}</code></td>
              <td data-label="Mission and step">
                {l.missionId ? <><Link to={`/missions/${encodeURIComponent(l.missionId)}`} title={l.missionId}><code>{l.missionId.slice(0, 8)}</code></Link> {l.stepId} #{l.attempt}</> : '—'}
              </td>
              <td data-label="Agent and model">{l.agent ? `${l.agent} · ${l.model}` : '—'}</td>
            </tr>
          ))}
          {ledger && ledger.entries.length === 0 && <tr><td colSpan={7} className="muted">No ledger entries yet.</td></tr>}
          {ledgerError && <tr><td colSpan={7} className="error">The ledger could not be read: {ledgerError}</td></tr>}
        </tbody>
      </table>
      {ledger?.truncated && (
        <p className="muted small">The ledger has more lines than one read returns: <code>GET /api/v1/wallet/ledger?format=csv</code> has them all.</p>
      )}
    </section>
  );
}
