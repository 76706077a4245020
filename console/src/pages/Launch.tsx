import { useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useAccess } from '../access';
import { api, ApiError } from '../api';
import { StatusBadge } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { credits, duration, tokens } from '../format';
import { liveMission, transcript } from '../mission/liveMission';
import { useMissionStream } from '../mission/useMissionStream';
import { Link, navigate, useLocation, useTitle } from '../router';

export function LaunchPage() {
  useTitle('Launch a mission');
  const toast = useToast();
  const access = useAccess();
  const { search } = useLocation();
  const missionId = search.get('mission');
  const [text, setText] = useState('');
  const [agents, setAgents] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const stream = useMissionStream(missionId, (e) => toast.show('error', e));
  const view = useMemo(() => liveMission(stream.message), [stream.message]);
  const running = submitting || (missionId != null && !view.finished && !stream.done);

  useEffect(() => {
    api.agents().then((a) => setAgents(a.agents.map((x) => x.name)), () => {});
  }, []);
  useEffect(() => setCancelling(false), [missionId]);

  async function launch(e: FormEvent) {
    e.preventDefault();
    setSubmitting(true);
    try {
      const { missionId: id } = await api.submit(text.trim(), chosen);
      navigate(`/launch?mission=${encodeURIComponent(id)}`);
    } catch (err) {
      toast.show('error', err instanceof ApiError ? `Launch failed: ${err.message}` : String(err));
    } finally {
      setSubmitting(false);
    }
  }

  async function cancel() {
    if (!missionId) return;
    setCancelling(true);
    try {
      await api.cancel(missionId);
      toast.show('info', 'Cancelling the mission…');
    } catch (err) {
      setCancelling(false);
      toast.show('error', `Cancel failed: ${(err as Error).message}`);
    }
  }

  async function copy() {
    const t = transcript(view);
    try {
      await navigator.clipboard.writeText(t);
    } catch {
      const area = document.createElement('textarea');
      area.value = t;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    toast.show('success', 'Log copied to clipboard');
  }

  return (
    <div className="stack">
      <h1>Launch a mission</h1>
      {access.can('missions_submit') ? (
      <form className="card stack" onSubmit={launch}>
        <label htmlFor="mission-text">Mission</label>
        <textarea
          id="mission-text"
          rows={4}
          placeholder="Describe your mission..."
          value={text}
          onChange={(e) => setText(e.target.value)}
          required
        />
        {agents.length > 0 && (
          <fieldset className="agents">
            <legend>Agents (optional: one step each, in the order chosen)</legend>
            {agents.map((a) => (
              <label key={a} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(a)}
                  onChange={(e) => setChosen((c) => (e.target.checked ? [...c, a] : c.filter((x) => x !== a)))}
                />
                {a}
              </label>
            ))}
          </fieldset>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={running || !text.trim()}>
            {running ? 'Executing...' : 'Launch Mission'}
          </button>
        </div>
      </form>
      ) : (
        <p className="muted">Your role ({access.role}) can follow missions but not launch them.</p>
      )}

      {missionId && (
        <section className="card stack" aria-labelledby="live-title">
          <div className="row wrap between">
            <h2 id="live-title">
              Mission <code className="id">{missionId.slice(0, 8)}</code> <StatusBadge status={view.status} />
            </h2>
            <div className="row wrap">
              <button type="button" onClick={copy} aria-label="Copy log to clipboard">Copy</button>
              <Link to={`/missions/${encodeURIComponent(missionId)}`} className="button">Open DAG</Link>
              {access.can('missions_cancel') && (
                <button type="button" className="danger" onClick={cancel} disabled={!running || cancelling}>
                  {cancelling ? 'Cancelling…' : 'Cancel'}
                </button>
              )}
            </div>
          </div>
          <dl className="facts">
            <div><dt>Cost</dt><dd data-testid="live-cost">{credits(view.costMicros)} credits</dd></div>
            <div><dt>Tokens</dt><dd>{tokens(view.usage?.totalTokens)}</dd></div>
            <div><dt>Steps</dt><dd>{view.steps.filter((s) => s.status === 'SUCCEEDED').length} / {view.plan.length || view.steps.length}</dd></div>
            <div><dt>Duration</dt><dd>{duration(view.durationMs)}</dd></div>
          </dl>
          {view.budget?.state === 'reached' && !view.finished && (
            <p className="warning" role="status" data-testid="budget-reached">
              Paused: step {view.budget.stepId} waits for budget <strong>{view.budget.budgetId}</strong>
              {view.budget.reason ? ` (${view.budget.reason})` : ''}. It resumes when the budget is raised or a new
              period begins.
            </p>
          )}
          {view.reason && <p className="error">{view.reason}</p>}
          <LiveLog view={view} missionId={missionId} />
        </section>
      )}
    </div>
  );
}

function LiveLog({ view, missionId }: { view: ReturnType<typeof liveMission>; missionId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  // Auto-scroll: follow the bottom unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    pinned.current = true;
  }, [missionId]);
  const steps = new Map(view.steps.map((s) => [s.stepId, s]));

  return (
    <div
      ref={ref}
      className="log"
      role="log"
      aria-label="Mission log"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {view.log.map((l) => (
        <p key={`${l.seq}-${l.text}`} className={`line ${l.level}`}>
          <span className="seq">#{l.seq}</span> {l.text}
        </p>
      ))}
      {view.attempts.map((a, i) => {
        const s = a.stepId ? steps.get(a.stepId) : undefined;
        return (
          <article key={i} className="attempt">
            <header className="row wrap">
              <strong>{a.stepId ?? 'retry'}</strong>
              {s && <span className="muted">{s.agent}</span>}
              {s && <StatusBadge status={s.status} />}
              {s && s.attempt > 1 && <span className="muted">attempt {s.attempt}</span>}
            </header>
            {a.text && <p className="text">{a.text}</p>}
            {s?.reason && <p className="muted">{s.reason}</p>}
          </article>
        );
      })}
      {view.typing && (
        <p className="typing" role="status" aria-label="An agent is writing">
          <span /><span /><span />
        </p>
      )}
    </div>
  );
}
