import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { credits, duration, tokens } from '../format';
import type { DagStep } from '../mission/dagState';

export type StepNodeData = { step: DagStep; now: number };
export type StepFlowNode = Node<StepNodeData, 'step'>;

/** One plan step: agent, status, attempts, duration, tokens, cost, and the condition that guards it. */
export const StepNode = memo(function StepNode({ data, selected }: NodeProps<StepFlowNode>) {
  const s = data.step;
  const running = s.status === 'RUNNING' && s.startedAt != null;
  const ms = s.durationMs ?? (running ? data.now - s.startedAt! : undefined);
  return (
    <div
      className={`step-node st-${s.status.toLowerCase()}${selected ? ' selected' : ''}${s.condition ? ' guarded' : ''}`}
      data-step={s.id}
      data-status={s.status}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="step-head">
        <span className="step-id" title={s.id}>{s.id}</span>
        <span className="step-status">{s.status.toLowerCase()}</span>
      </div>
      <div className="step-agent" title={s.action}>{s.agent}</div>
      {s.condition && <div className="step-cond" title={s.condition}>if {s.condition}</div>}
      <div className="step-facts">
        <span title="attempts">×{s.attempts}</span>
        <span title="duration">{duration(ms)}</span>
        <span title="tokens">{tokens(s.tokens)} tok</span>
        <span title="cost in credits">{credits(s.costMicros)} cr</span>
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});
