import { describe, expect, it } from 'vitest';
import { initialDag, reduceEvent, reduceEvents, type MissionEvent } from './dagState';

let seq = 0;
const ev = (type: string, fields: Partial<MissionEvent> = {}): MissionEvent => ({ type, seq: ++seq, ts: 1000 + seq, ...fields });

function plan(): MissionEvent[] {
  seq = 0;
  return [
    ev('mission.accepted', { status: 'PLANNING', mission: 'Plan a launch' }),
    ev('plan.ready', {
      plan: {
        steps: [
          { id: 'a', agent: 'agent-scout', action: 'research' },
          { id: 'b', agent: 'seo-analyst', action: 'score', dependsOn: ['a'] },
          { id: 'c', agent: 'writer', action: 'write', dependsOn: ['a'], condition: 'steps.a.output.ok' },
        ],
      },
    }),
  ];
}

describe('reduceEvent', () => {
  it('makes the plan pending steps, with dependencies and conditions', () => {
    const s = reduceEvents(plan());
    expect(s.status).toBe('RUNNING');
    expect(s.mission).toBe('Plan a launch');
    expect(s.order).toEqual(['a', 'b', 'c']);
    expect(s.steps.c).toMatchObject({ status: 'PENDING', dependsOn: ['a'], condition: 'steps.a.output.ok', attempts: 0 });
  });

  it('follows a step through ready, running, retrying, running again and succeeded, adding up tokens and cost', () => {
    const events = [
      ...plan(),
      ev('step.ready', { stepId: 'a', attempt: 1 }),
      ev('step.started', { stepId: 'a', attempt: 1 }),
      ev('step.delta', { stepId: 'a', attempt: 1, text: 'Hel' }),
      ev('step.delta', { stepId: 'a', attempt: 1, text: 'lo' }),
    ];
    let s = reduceEvents(events);
    expect(s.steps.a).toMatchObject({ status: 'RUNNING', attempts: 1, text: 'Hello' });

    s = reduceEvents([
      ev('step.retrying', { stepId: 'a', attempt: 1, reason: '429', usage: { totalTokens: 10 }, costMicros: 5 }),
    ], s);
    expect(s.steps.a).toMatchObject({ status: 'RETRYING', error: '429', tokens: 10, costMicros: 5 });
    s = reduceEvents([ev('step.ready', { stepId: 'a', attempt: 2 })], s);
    expect(s.steps.a.status).toBe('RETRYING');

    s = reduceEvents([
      ev('step.started', { stepId: 'a', attempt: 2 }),
      ev('step.delta', { stepId: 'a', attempt: 1, text: 'late delta of attempt 1' }),
      ev('step.completed', {
        stepId: 'a', attempt: 2, output: { text: 'done' }, durationMs: 42, model: 'flash',
        usage: { promptTokens: 3, outputTokens: 4, thinkingTokens: 0, cachedTokens: 0, totalTokens: 7 }, costMicros: 100,
      }),
    ], s);
    expect(s.steps.a).toMatchObject({
      status: 'SUCCEEDED', attempts: 2, durationMs: 42, tokens: 17, costMicros: 105, model: 'flash',
      output: { text: 'done' }, text: '', error: undefined,
    });
    expect(s.costMicros).toBe(105);
    expect(s.tokens).toBe(17);
  });

  it('shows failures, skips and cancels with their reasons', () => {
    const s = reduceEvents([
      ...plan(),
      ev('step.started', { stepId: 'a', attempt: 1 }),
      ev('step.failed', { stepId: 'a', attempt: 1, reason: 'bad answer', durationMs: 9 }),
      ev('step.skipped', { stepId: 'b', reason: 'a dependency did not succeed' }),
      ev('step.cancelled', { stepId: 'c', reason: 'mission failed' }),
    ]);
    expect(s.steps.a).toMatchObject({ status: 'FAILED', error: 'bad answer', durationMs: 9 });
    expect(s.steps.b).toMatchObject({ status: 'SKIPPED', error: 'a dependency did not succeed' });
    expect(s.steps.c).toMatchObject({ status: 'CANCELLED', error: 'mission failed' });
  });

  it('ends the mission with its status, takes the job total, and cancels steps that were still open', () => {
    const s = reduceEvents([
      ...plan(),
      ev('step.ready', { stepId: 'a', attempt: 1 }),
      ev('step.started', { stepId: 'b', attempt: 1 }),
      ev('mission.cancelled', { status: 'CANCELLED', reason: 'by user', durationMs: 77, costMicros: 999 }),
    ]);
    expect(s.status).toBe('CANCELLED');
    expect(s.reason).toBe('by user');
    expect(s.durationMs).toBe(77);
    expect(s.costMicros).toBe(999);
    expect(s.steps.a.status).toBe('CANCELLED');
    expect(s.steps.b.status).toBe('CANCELLED');
    expect(s.steps.c.status).toBe('PENDING');
  });

  it('ignores duplicate and older events (at-least-once delivery), and steps outside the plan', () => {
    const events = plan();
    const started = ev('step.started', { stepId: 'a', attempt: 1 });
    const s1 = reduceEvents([...events, started]);
    expect(reduceEvent(s1, started)).toBe(s1);
    expect(reduceEvent(s1, events[0])).toBe(s1);
    const s2 = reduceEvent(s1, ev('step.completed', { stepId: '_plan', agent: 'mission-overseer', costMicros: 12 }));
    expect(Object.keys(s2.steps)).toEqual(['a', 'b', 'c']);
    expect(s2.costMicros).toBe(12);
  });

  it('starts empty', () => {
    expect(initialDag).toMatchObject({ status: 'SUBMITTED', lastSeq: 0, order: [] });
  });
});
