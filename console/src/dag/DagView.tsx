import { Background, Controls, MarkerType, MiniMap, ReactFlow, type Edge, type NodeTypes } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DagState } from '../mission/dagState';
import { layoutPlan } from './layout';
import { StepNode, type StepFlowNode } from './StepNode';

const nodeTypes: NodeTypes = { step: StepNode };
const MINIMAP_COLORS: Record<string, string> = {
  PENDING: '#d1d5db', READY: '#93c5fd', RUNNING: '#0284c7', RETRYING: '#d97706',
  SUCCEEDED: '#059669', FAILED: '#dc2626', SKIPPED: '#e5e7eb', CANCELLED: '#9333ea',
};

/** The plan as a flowchart: laid out once per plan, restyled on every event; zoom and pan with visible controls. */
export function DagView({ dag, selected, onSelect }: { dag: DagState; selected: string | null; onSelect: (id: string | null) => void }) {
  const planKey = dag.order.join('\u0000');
  const layout = useMemo(
    () => layoutPlan(dag.order.map((id) => ({ id, dependsOn: dag.steps[id].dependsOn }))),
    // the layout depends on the plan only, never on statuses
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [planKey],
  );
  const anyRunning = dag.order.some((id) => dag.steps[id].status === 'RUNNING');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [anyRunning]);

  // A node object is rebuilt only when its step, selection or (while running) clock changed, so an event restyles
  // one node, not all 200.
  const cache = useRef(new Map<string, StepFlowNode>());
  const nodes: StepFlowNode[] = useMemo(() => {
    const next = new Map<string, StepFlowNode>();
    const list = dag.order.map((id) => {
      const step = dag.steps[id];
      const tick = step.status === 'RUNNING' ? now : 0;
      const old = cache.current.get(id);
      const node =
        old && old.data.step === step && old.data.now === tick && old.selected === (id === selected) &&
        old.position === layout.positions[id]
          ? old
          : {
              id,
              type: 'step' as const,
              position: layout.positions[id],
              data: { step, now: tick },
              selected: id === selected,
              draggable: false,
              connectable: false,
              ariaLabel: `Step ${id}, ${step.agent}, ${step.status.toLowerCase()}`,
            };
      next.set(id, node);
      return node;
    });
    cache.current = next;
    return list;
  }, [dag.order, dag.steps, layout, selected, now]);
  // Likewise an edge object is rebuilt only when its look changed (its source's status, its target running), so
  // React Flow redraws the few edges an event touched.
  const edgeCache = useRef(new Map<string, Edge>());
  const edges: Edge[] = useMemo(() => {
    const next = new Map<string, Edge>();
    const list = layout.edges.map((e) => {
      // An edge into a running step is dashed, not animated: 8 animated edges repainted every frame of a 200-step DAG.
      const running = dag.steps[e.target].status === 'RUNNING';
      const className = `edge-from-${dag.steps[e.source].status.toLowerCase()}${running ? ' edge-to-running' : ''}`;
      const old = edgeCache.current.get(e.id);
      const edge = old && old.className === className && old.source === e.source
        ? old
        : { ...e, className, markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
      next.set(e.id, edge);
      return edge;
    });
    edgeCache.current = next;
    return list;
  }, [layout, dag.steps]);

  return (
    <div className="dag" aria-label="Mission DAG" role="region">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.1, maxZoom: 1 }}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        onNodeClick={(_, n) => onSelect(n.id)}
        // a node selected by keyboard (Tab to it, Enter) opens its details as a click does
        onNodesChange={(changes) => {
          const picked = changes.find((c) => c.type === 'select' && c.selected);
          if (picked && 'id' in picked && picked.id !== selected) onSelect(picked.id);
        }}
        onPaneClick={() => onSelect(null)}
      >
        <Background />
        <Controls showInteractive={false} aria-label="Zoom and pan controls" />
        <MiniMap
          pannable
          zoomable
          position="top-right"
          ariaLabel="Overview of the mission DAG"
          nodeColor={(n) => MINIMAP_COLORS[(n.data as StepFlowNode['data']).step.status] ?? '#9ca3af'}
        />
      </ReactFlow>
    </div>
  );
}
