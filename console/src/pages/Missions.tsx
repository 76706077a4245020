import { useEffect, useState } from 'react';
import { api, MISSION_STATUSES, type MissionPage } from '../api';
import { StatusBadge, Spinner } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { credits, duration, time } from '../format';
import { Link, useTitle } from '../router';

const PAGE_SIZE = 20;

/** GET /api/v1/missions: newest first, filtered by status and text, a page at a time by cursor. */
export function MissionsPage() {
  useTitle('Missions');
  const toast = useToast();
  const [status, setStatus] = useState('');
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  // cursors[i] = the cursor that gives page i (page 0: none)
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<MissionPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const index = cursors.length - 1;

  useEffect(() => {
    const t = setTimeout(() => setQ(input.trim()), 300);
    return () => clearTimeout(t);
  }, [input]);
  useEffect(() => setCursors((c) => (c.length === 1 ? c : [null])), [status, q]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .missions({ status, q, cursor: cursors[index], limit: PAGE_SIZE })
      .then((p) => live && setPage(p), (e) => live && toast.show('error', `Missions: ${e.message}`))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [status, q, cursors, index, tick, toast]);

  const now = Date.now();
  return (
    <div className="stack">
      <div className="row wrap between">
        <h1>Missions</h1>
        <button type="button" onClick={() => setTick((t) => t + 1)}>Refresh</button>
      </div>
      <div className="row wrap filters" role="search">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All</option>
            {MISSION_STATUSES.map((s) => (
              <option key={s} value={s}>{s.replace('_', ' ').toLowerCase()}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          Search
          <input type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="Mission text" />
        </label>
        {loading && <Spinner label="Loading missions" />}
      </div>
      <table className="table responsive">
        <caption className="sr-only">Missions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Mission</th>
            <th scope="col">Submitted</th>
            <th scope="col">Duration</th>
            <th scope="col">Steps</th>
            <th scope="col" className="num">Cost (credits)</th>
          </tr>
        </thead>
        <tbody>
          {page?.missions.map((m) => (
            <tr key={m.missionId}>
              <td data-label="Status"><StatusBadge status={m.status} /></td>
              <td data-label="Mission" className="mission-text">
                <Link to={`/missions/${encodeURIComponent(m.missionId)}`}>{m.mission || m.missionId}</Link>
                {m.reason && <div className="muted small">{m.reason}</div>}
              </td>
              <td data-label="Submitted">{time(m.submittedAt)}</td>
              <td data-label="Duration">{duration(m.durationMs ?? (m.finishedAt ? undefined : now - m.submittedAt))}</td>
              <td data-label="Steps">{m.steps.succeeded}/{m.steps.total}{m.steps.failed ? `, ${m.steps.failed} failed` : ''}</td>
              <td data-label="Cost" className="num">{credits(m.costMicros)}</td>
            </tr>
          ))}
          {page && page.missions.length === 0 && (
            <tr><td colSpan={6} className="muted">No missions{status || q ? ' match these filters' : ' yet'}.</td></tr>
          )}
        </tbody>
      </table>
      <nav className="row pager" aria-label="Pages">
        <button type="button" disabled={index === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <span aria-live="polite">Page {index + 1}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor])}>
          Older
        </button>
      </nav>
    </div>
  );
}
