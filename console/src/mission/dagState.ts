import type { Usage } from '../api';
import type { PlanStep } from './liveMission';

// A mission's DAG state from its MissionEvents (`/api/v1/missions/{id}/events`, NDJSON, SPEC.md section 3): a pure
// reducer, so the DAG shows every event the moment it arrives (the UI message stream holds back the chunks of a
// parallel step until the step before it in the message closes; the events are not held back).

export type StepStatus =
  | 'PENDING' | 'READY' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';

export interface DagStep extends PlanStep {
  status: StepStatus;
  attempts: number;
  /** When the current (or last) attempt started. */
  startedAt?: number;
  durationMs?: number;
  tokens: number;
  costMicros: number;
  model?: string;
  output?: unknown;
  error?: string;
  /** Model text streamed by the running attempt (step.delta). */
  text: string;
}

export interface DagState {
  missionId?: string;
  mission?: string;
  status: string;
  lastSeq: number;
  order: string[];
  steps: Record<string, DagStep>;
  costMicros: number;
  tokens: number;
  durationMs?: number;
  reason?: string;
  submittedTs?: number;
}

export interface MissionEvent {
  type: string;
  seq: number;
  ts: number;
  missionId?: string;
  status?: string;
  mission?: string;
  plan?: { steps: (Omit<PlanStep, 'dependsOn'> & { dependsOn?: string[] })[] };
  stepId?: string;
  agent?: string;
  attempt?: number;
  reason?: string;
  output?: unknown;
  durationMs?: number;
  model?: string;
  usage?: Partial<Usage>;
  costMicros?: number;
  text?: string;
}

export const initialDag: DagState = { status: 'SUBMITTED', lastSeq: 0, order: [], steps: {}, costMicros: 0, tokens: 0 };

const FINISHED: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);

function totalTokens(u: Partial<Usage> | undefined): number {
  if (!u) return 0;
  return u.totalTokens ?? (u.promptTokens ?? 0) + (u.outputTokens ?? 0) + (u.thinkingTokens ?? 0);
}

/** The state after one event. Events at or below {@link DagState.lastSeq} are duplicates and change nothing. */
export function reduceEvent(state: DagState, e: MissionEvent): DagState {
  if (e.seq <= state.lastSeq) return state;
  const next: DagState = { ...state, lastSeq: e.seq, missionId: state.missionId ?? e.missionId };
  const billed = totalTokens(e.usage);
  const cost = e.costMicros ?? 0;

  const update = (id: string, change: (s: DagStep) => Partial<DagStep>) => {
    const current = next.steps[id];
    if (!current) return; // a step outside the plan (the overseer's planning step): counted in totals only
    next.steps = { ...next.steps, [id]: { ...current, ...change(current) } };
  };
  const bill = (s: DagStep) => ({ tokens: s.tokens + billed, costMicros: s.costMicros + cost, model: e.model ?? s.model });

  if (e.type.startsWith('step.') && e.type !== 'step.delta') {
    next.tokens += billed;
    next.costMicros += cost;
  }

  switch (e.type) {
    case 'mission.accepted':
      next.status = 'PLANNING';
      next.mission = e.mission;
      next.submittedTs = e.ts;
      break;
    case 'plan.ready': {
      next.status = 'RUNNING';
      const steps: Record<string, DagStep> = {};
      for (const p of e.plan?.steps ?? []) {
        steps[p.id] = {
          id: p.id, agent: p.agent, action: p.action, dependsOn: p.dependsOn ?? [], condition: p.condition,
          status: 'PENDING', attempts: 0, tokens: 0, costMicros: 0, text: '',
        };
      }
      next.steps = steps;
      next.order = Object.keys(steps);
      break;
    }
    case 'step.ready':
      update(e.stepId!, (s) => ({ status: s.status === 'RETRYING' ? 'RETRYING' : 'READY' }));
      break;
    case 'step.started':
      update(e.stepId!, (s) => ({
        status: 'RUNNING', attempts: e.attempt ?? s.attempts + 1, startedAt: e.ts, durationMs: undefined, text: '',
      }));
      break;
    case 'step.delta':
      update(e.stepId!, (s) =>
        s.status === 'RUNNING' && (e.attempt == null || e.attempt === s.attempts) ? { text: s.text + (e.text ?? '') } : {});
      break;
    case 'step.retrying':
      update(e.stepId!, (s) => ({ status: 'RETRYING', error: e.reason, ...bill(s) }));
      break;
    case 'step.completed':
      update(e.stepId!, (s) => ({
        status: 'SUCCEEDED', output: e.output, error: undefined, durationMs: e.durationMs,
        attempts: e.attempt ?? s.attempts, ...bill(s),
      }));
      break;
    case 'step.failed':
      update(e.stepId!, (s) => ({
        status: 'FAILED', error: e.reason, durationMs: e.durationMs, attempts: e.attempt ?? s.attempts, ...bill(s),
      }));
      break;
    case 'step.skipped':
      update(e.stepId!, () => ({ status: 'SKIPPED', error: e.reason }));
      break;
    case 'step.cancelled':
      update(e.stepId!, (s) => ({
        status: 'CANCELLED', error: e.reason, durationMs: s.startedAt != null ? e.ts - s.startedAt : s.durationMs,
      }));
      break;
    case 'mission.budget_reached':
    case 'mission.resumed':
      next.status = e.status ?? next.status;
      next.reason = e.type === 'mission.budget_reached' ? e.reason : undefined;
      break;
    case 'mission.completed':
    case 'mission.failed':
    case 'mission.cancelled':
    case 'mission.timed_out':
    case 'mission.budget_exceeded': {
      next.status = e.status ?? e.type.slice('mission.'.length).toUpperCase();
      next.durationMs = e.durationMs;
      next.reason = e.reason;
      if (e.costMicros != null) next.costMicros = e.costMicros; // the job's total is the one of record
      // As the mission resource shows it: a step still open when the mission ended did not finish.
      let steps = next.steps;
      for (const id of next.order) {
        const s = steps[id];
        if (s.status !== 'PENDING' && !FINISHED.has(s.status)) steps = { ...steps, [id]: { ...s, status: 'CANCELLED' } };
      }
      next.steps = steps;
      break;
    }
  }
  return next;
}

export const reduceEvents = (events: MissionEvent[], from: DagState = initialDag) => events.reduce(reduceEvent, from);
