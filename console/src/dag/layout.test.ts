import { describe, expect, it } from 'vitest';
import { layoutPlan, NODE_HEIGHT, NODE_WIDTH } from './layout';

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;

describe('layoutPlan', () => {
  // SPEC.md section 6's example: scout, then seo and write side by side, then publish and verify side by side.
  const plan = [
    { id: 'scout', dependsOn: [] },
    { id: 'seo', dependsOn: ['scout'] },
    { id: 'write', dependsOn: ['scout'] },
    { id: 'publish', dependsOn: ['seo', 'write'] },
    { id: 'verify', dependsOn: ['seo', 'write'] },
  ];

  it('puts every step below the steps it depends on', () => {
    const { positions } = layoutPlan(plan);
    for (const s of plan) {
      for (const d of s.dependsOn) expect(positions[s.id].y).toBeGreaterThan(positions[d].y);
    }
  });

  it('puts parallel paths side by side on one layer, without overlap', () => {
    const { positions } = layoutPlan(plan);
    expect(positions.seo.y).toBe(positions.write.y);
    expect(positions.publish.y).toBe(positions.verify.y);
    expect(Math.abs(positions.seo.x - positions.write.x)).toBeGreaterThanOrEqual(NODE_WIDTH);
    const ids = Object.keys(positions);
    for (const a of ids) for (const b of ids) if (a < b) expect(overlaps(positions[a], positions[b])).toBe(false);
  });

  it('draws one edge per dependency, from the dependency to the step, and ignores unknown ids', () => {
    const { edges } = layoutPlan([...plan, { id: 'x', dependsOn: ['missing', 'verify'] }]);
    expect(edges).toHaveLength(7);
    expect(edges).toContainEqual({ id: 'scout->seo', source: 'scout', target: 'seo' });
    expect(edges).toContainEqual({ id: 'verify->x', source: 'verify', target: 'x' });
  });

  it('is deterministic', () => {
    expect(layoutPlan(plan)).toEqual(layoutPlan(plan));
  });

  it('lays out 200 steps (a width-8 DAG) quickly, with no two nodes overlapping', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({
      id: `s${i}`,
      dependsOn: i < 8 ? [] : [`s${i - 8}`, ...(i % 3 === 0 ? [`s${i - 7}`] : [])],
    }));
    const t0 = performance.now();
    const { positions, edges, width, height } = layoutPlan(steps);
    const ms = performance.now() - t0;
    expect(Object.keys(positions)).toHaveLength(200);
    expect(edges.length).toBeGreaterThan(192);
    expect(width).toBeGreaterThan(8 * NODE_WIDTH);
    expect(height).toBeGreaterThan(25 * NODE_HEIGHT);
    const ids = Object.keys(positions);
    let overlapping = 0;
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) if (overlaps(positions[ids[i]], positions[ids[j]])) overlapping++;
    expect(overlapping).toBe(0);
    // Once per plan (a status change never lays out again): a few hundred ms on one idle core; the bound leaves
    // room for a busy machine and still catches a layout gone quadratic.
    expect(ms).toBeLessThan(5000);
  });
});
