import { readUIMessageStream, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { liveMission, resumable, transcript, type MissionMessage } from './liveMission';

// Chunks as the API writes them for a mission (SPEC.md section 9), assembled by the AI SDK's own reader.
async function assemble(chunks: UIMessageChunk[], message?: MissionMessage): Promise<MissionMessage[]> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(c) {
      chunks.forEach((x) => c.enqueue(x));
      c.close();
    },
  });
  const snapshots: MissionMessage[] = [];
  for await (const m of readUIMessageStream<MissionMessage>({ message, stream })) snapshots.push(m);
  return snapshots;
}

const usage = (t: number) => ({ promptTokens: t, outputTokens: 0, thinkingTokens: 0, cachedTokens: 0, totalTokens: t });
const meta = (status: string, costMicros = 0, extra = {}) => ({ missionId: 'm1', status, usage: usage(0), costMicros, ...extra });
const step = (stepId: string, status: string, attempt: number, extra = {}) =>
  ({ type: 'data-step', id: `step-${stepId}`, data: { stepId, agent: `agent-${stepId}`, status, attempt, ts: 1, ...extra } }) as UIMessageChunk;
const log = (lines: string[]) =>
  ({ type: 'data-log', id: 'log-mission', data: { scope: 'mission', lines: lines.map((text, i) => ({ seq: i, ts: 1, level: 'info', text })) } }) as UIMessageChunk;

// A function: the SDK's reader merges metadata into the objects it was given, so every test gets fresh chunks.
const head = (): UIMessageChunk[] => [
  { type: 'start', messageId: 'm1', messageMetadata: meta('SUBMITTED') },
  log(['mission accepted']),
  { type: 'data-plan', id: 'plan', data: { missionId: 'm1', steps: [
    { id: 'a', agent: 'agent-a', action: 'research', dependsOn: [] },
    { id: 'b', agent: 'agent-b', action: 'check', dependsOn: ['a'], condition: 'steps.a.output.ok' },
  ] } } as UIMessageChunk,
  { type: 'data-cost', id: 'cost', data: { costMicros: 0, agents: {} } } as UIMessageChunk,
  log(['mission accepted', 'plan ready: 2 steps']),
  { type: 'message-metadata', messageMetadata: meta('RUNNING') },
  { type: 'start-step' },
  step('a', 'RUNNING', 1),
  { type: 'text-start', id: 'text-a-1' },
  { type: 'text-delta', id: 'text-a-1', delta: 'Resea' },
];

describe('liveMission', () => {
  it('shows the plan, the running step and its streaming text, with the typing indicator on', async () => {
    const snapshots = await assemble(head());
    const view = liveMission(snapshots.at(-1));
    expect(view.status).toBe('RUNNING');
    expect(view.plan.map((s) => s.id)).toEqual(['a', 'b']);
    expect(view.plan[1].condition).toBe('steps.a.output.ok');
    expect(view.steps).toEqual([expect.objectContaining({ stepId: 'a', status: 'RUNNING', attempt: 1 })]);
    expect(view.attempts).toEqual([{ stepId: 'a', text: 'Resea', streaming: true }]);
    expect(view.log.map((l) => l.text)).toEqual(['mission accepted', 'plan ready: 2 steps']);
    expect(view.typing).toBe(true);
    expect(view.finished).toBe(false);
  });

  it('updates a step in place across attempts, keeps each attempt\'s text, and ends with the totals', async () => {
    const rest: UIMessageChunk[] = [
      { type: 'text-delta', id: 'text-a-1', delta: 'rch' },
      { type: 'text-end', id: 'text-a-1' },
      step('a', 'RETRYING', 1, { reason: '429' }),
      { type: 'finish-step' },
      { type: 'start-step' },
      step('a', 'RUNNING', 2),
      { type: 'text-start', id: 'text-a-2' },
      { type: 'text-delta', id: 'text-a-2', delta: 'Research, again' },
      { type: 'text-end', id: 'text-a-2' },
      step('a', 'SUCCEEDED', 2, { costMicros: 250, output: { ok: true } }),
      { type: 'data-cost', id: 'cost', data: { costMicros: 250, agents: { 'agent-a': 250 } } } as UIMessageChunk,
      { type: 'message-metadata', messageMetadata: meta('RUNNING', 250) },
      { type: 'finish-step' },
      { type: 'start-step' },
      step('b', 'SKIPPED', 0, { reason: 'condition is false' }),
      { type: 'finish-step' },
      { type: 'message-metadata', messageMetadata: meta('COMPLETED', 250, { durationMs: 1234 }) },
      { type: 'finish', finishReason: 'stop' },
    ];
    const view = liveMission((await assemble([...head(), ...rest])).at(-1));
    expect(view.status).toBe('COMPLETED');
    expect(view.finished).toBe(true);
    expect(view.typing).toBe(false);
    expect(view.durationMs).toBe(1234);
    expect(view.costMicros).toBe(250);
    expect(view.agentCosts).toEqual({ 'agent-a': 250 });
    expect(view.steps.map((s) => [s.stepId, s.status, s.attempt])).toEqual([['a', 'SUCCEEDED', 2], ['b', 'SKIPPED', 0]]);
    expect(view.attempts).toEqual([
      { stepId: 'a', text: 'Research', streaming: false },
      { stepId: undefined, text: 'Research, again', streaming: false },
      { stepId: 'b', text: '', streaming: false },
    ]);
    expect(transcript(view)).toContain('## a\nResearch');
    expect(transcript(view)).toContain('status: COMPLETED');
  });

  it('continues a stored snapshot with the frames after it (a reload resuming by Last-Event-ID), exactly', async () => {
    const rest: UIMessageChunk[] = [
      { type: 'text-delta', id: 'text-a-1', delta: 'rch' },
      { type: 'text-end', id: 'text-a-1' },
      step('a', 'SUCCEEDED', 1, { costMicros: 7 }),
      { type: 'finish-step' },
      { type: 'start-step' },
      step('b', 'RUNNING', 1),
      { type: 'text-start', id: 'text-b-1' },
      { type: 'text-delta', id: 'text-b-1', delta: 'Checking' },
      { type: 'text-end', id: 'text-b-1' },
      step('b', 'SUCCEEDED', 1),
      { type: 'finish-step' },
      { type: 'message-metadata', messageMetadata: meta('COMPLETED', 7) },
      { type: 'finish', finishReason: 'stop' },
    ];
    const all = [...head(), ...rest];
    const whole = liveMission((await assemble(all)).at(-1));
    // Every point where the console would remember the snapshot: continuing from it gives the same mission.
    let checkpoints = 0;
    for (let cut = 1; cut < all.length; cut++) {
      // The console marks the end of what it read (a metadata chunk of its own), so the snapshot holds all of it.
      const marker: UIMessageChunk = { type: 'message-metadata', messageMetadata: { frameId: String(cut) } };
      const stored = (await assemble([...all.slice(0, cut), marker])).at(-1);
      if (!stored || !resumable(stored)) continue;
      checkpoints++;
      const restored = JSON.parse(JSON.stringify(stored)) as MissionMessage;
      const continued = (await assemble(all.slice(cut), restored)).at(-1) ?? restored;
      expect(liveMission(continued)).toEqual(whole);
    }
    expect(checkpoints).toBeGreaterThan(8);
    // Inside an open text part it is not a checkpoint.
    expect(resumable((await assemble(head())).at(-1)!)).toBe(false);
  });

  it('shows the typing indicator while a step runs without text yet, and not once the mission ended', async () => {
    const running = head().slice(0, 8); // up to step a RUNNING, before its text
    expect(liveMission((await assemble(running)).at(-1)).typing).toBe(true);
    const ended = [...running, { type: 'message-metadata', messageMetadata: meta('CANCELLED') } as UIMessageChunk];
    expect(liveMission((await assemble(ended)).at(-1)).typing).toBe(false);
  });

  it('is empty before the stream has anything', () => {
    expect(liveMission(undefined)).toMatchObject({ status: 'SUBMITTED', plan: [], steps: [], typing: false });
  });

  it('shows a budget pause from its data part, and that it resumed', async () => {
    const paused = [
      ...head().slice(0, 8),
      { type: 'data-budget', id: 'budget', data: { missionId: 'm1', state: 'reached', status: 'PAUSED', budgetId: 'monthly', stepId: 'a', reason: 'budget \'monthly\' (hard, month) has 0 of 10 micro-credits left' } } as UIMessageChunk,
      { type: 'message-metadata', messageMetadata: meta('PAUSED') } as UIMessageChunk,
    ];
    const view = liveMission((await assemble(paused)).at(-1));
    expect(view.status).toBe('PAUSED');
    expect(view.budget).toMatchObject({ state: 'reached', budgetId: 'monthly', stepId: 'a' });
    expect(view.finished).toBe(false);
    const resumed = [
      ...paused,
      { type: 'data-budget', id: 'budget', data: { missionId: 'm1', state: 'resumed', status: 'RUNNING', budgetId: 'monthly' } } as UIMessageChunk,
    ];
    expect(liveMission((await assemble(resumed)).at(-1)).budget?.state).toBe('resumed');
    const exceeded = [...paused, { type: 'message-metadata', messageMetadata: meta('BUDGET_EXCEEDED') } as UIMessageChunk];
    expect(liveMission((await assemble(exceeded)).at(-1)).finished).toBe(true);
  });
});
