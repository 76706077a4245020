import { memo, useState } from 'react';
import { isFinished } from '../api';
import { StatusBadge } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { DagView } from '../dag/DagView';
import { credits, duration, tokens } from '../format';
import type { DagStep } from '../mission/dagState';
import { useMissionEvents } from '../mission/useMissionEvents';
import { Link, useTitle } from '../router';

export function MissionPage({ missionId }: { missionId: string }) {
  useTitle(`Mission ${missionId.slice(0, 8)}`);
  const toast = useToast();
  const { dag, live } = useMissionEvents(missionId, (e) => toast.show('error', e));
  const [selected, setSelected] = useState<string | null>(null);
  const step = selected ? dag.steps[selected] : undefined;

  return (
    <div className="stack">
      <div className="row wrap between">
        <h1>
          Mission <code className="id">{missionId.slice(0, 8)}</code> <StatusBadge status={dag.status} />
        </h1>
        <div className="row wrap">
          {live && !isFinished(dag.status) && <span className="live-dot">live</span>}
          {!isFinished(dag.status) && (
            <Link className="button" to={`/launch?mission=${encodeURIComponent(missionId)}`}>Live log</Link>
          )}
          <Link className="button" to="/missions">All missions</Link>
        </div>
      </div>
      {dag.mission && <p className="mission-text">{dag.mission}</p>}
      <dl className="facts">
        <div><dt>Steps</dt><dd>{dag.order.length}</dd></div>
        <div><dt>Cost</dt><dd>{credits(dag.costMicros)} credits</dd></div>
        <div><dt>Tokens</dt><dd>{tokens(dag.tokens)}</dd></div>
        <div><dt>Duration</dt><dd>{duration(dag.durationMs)}</dd></div>
      </dl>
      {dag.reason && <p className="error">{dag.reason}</p>}
      <Legend />
      {dag.order.length > 0 ? (
        <div className="dag-layout">
          <DagView dag={dag} selected={selected} onSelect={setSelected} />
          <StepDetails step={step} onClose={() => setSelected(null)} />
        </div>
      ) : (
        <p className="muted">{isFinished(dag.status) ? 'This mission has no plan.' : 'Waiting for the plan…'}</p>
      )}
      {dag.order.length > 0 && (
        <details className="card">
          <summary>All steps as a list</summary>
          <ul className="step-list">
            {dag.order.map((id) => (
              <StepItem key={id} step={dag.steps[id]} onSelect={setSelected} />
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** One line of the step list, drawn again only when its step changed (an event changes a few of 200). */
const StepItem = memo(function StepItem({ step, onSelect }: { step: DagStep; onSelect: (id: string) => void }) {
  return (
    <li>
      <button type="button" className="link" onClick={() => onSelect(step.id)}>
        {step.id}
      </button>{' '}
      <span className="muted">{step.agent}</span> <StatusBadge status={step.status} />
    </li>
  );
});

const STATES = ['pending', 'ready', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled'];

function Legend() {
  return (
    <ul className="legend" aria-label="Step states">
      {STATES.map((s) => (
        <li key={s} className={`st-${s}`}>
          <span className="swatch" aria-hidden="true" />
          {s}
        </li>
      ))}
    </ul>
  );
}

function StepDetails({ step, onClose }: { step?: DagStep; onClose: () => void }) {
  if (!step) {
    return (
      <aside className="card step-details muted" aria-label="Step details">
        Select a step to see its output or error.
      </aside>
    );
  }
  const output = step.output === undefined ? null : typeof step.output === 'string' ? step.output : JSON.stringify(step.output, null, 2);
  return (
    <aside className="card step-details" aria-label={`Step ${step.id}`}>
      <div className="row between">
        <h2>{step.id}</h2>
        <button type="button" onClick={onClose} aria-label="Close step details">×</button>
      </div>
      <dl className="kv">
        <dt>Agent</dt><dd>{step.agent}</dd>
        <dt>Status</dt><dd><StatusBadge status={step.status} /></dd>
        {step.action && (<><dt>Action</dt><dd>{step.action}</dd></>)}
        {step.condition && (<><dt>Condition</dt><dd><code>{step.condition}</code></dd></>)}
        {step.dependsOn.length > 0 && (<><dt>After</dt><dd>{step.dependsOn.join(', ')}</dd></>)}
        <dt>Attempts</dt><dd>{step.attempts}</dd>
        <dt>Duration</dt><dd>{duration(step.durationMs)}</dd>
        <dt>Tokens</dt><dd>{tokens(step.tokens)}</dd>
        <dt>Cost</dt><dd>{credits(step.costMicros)} credits</dd>
        {step.model && (<><dt>Model</dt><dd>{step.model}</dd></>)}
      </dl>
      {step.error && (
        <>
          <h3>Error</h3>
          <pre className="error" data-testid="step-error">{step.error}</pre>
        </>
      )}
      {output != null && (
        <>
          <h3>Output</h3>
          <pre data-testid="step-output">{output}</pre>
        </>
      )}
      {step.text && !output && (
        <>
          <h3>Streaming</h3>
          <pre>{step.text}</pre>
        </>
      )}
    </aside>
  );
}
