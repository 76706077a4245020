import dagre from '@dagrejs/dagre';

// The automatic layered layout of a mission plan (dagre): dependencies flow top to bottom, steps that can run at
// the same time sit side by side on one layer. Pure: the same plan always gives the same positions, and status
// changes never move a node (the layout depends on the plan only).

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 132;

export interface LayoutInput {
  id: string;
  dependsOn: string[];
}

export interface Layout {
  /** Top-left corner of each node. */
  positions: Record<string, { x: number; y: number }>;
  edges: { id: string; source: string; target: string }[];
  width: number;
  height: number;
}

export function layoutPlan(steps: LayoutInput[], direction: 'TB' | 'LR' = 'TB'): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 28, ranksep: 64, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((s) => s.id));
  for (const s of steps) g.setNode(s.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const edges: Layout['edges'] = [];
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!known.has(d)) continue;
      g.setEdge(d, s.id);
      edges.push({ id: `${d}->${s.id}`, source: d, target: s.id });
    }
  }
  dagre.layout(g);
  const positions: Layout['positions'] = {};
  for (const s of steps) {
    const n = g.node(s.id);
    positions[s.id] = { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) };
  }
  const graph = g.graph();
  return { positions, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}
