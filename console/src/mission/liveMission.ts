import type { UIMessage } from 'ai';
import type { Usage } from '../api';

// The live mission as the console shows it, computed from the one assistant message that the AI SDK assembles
// from `/api/v1/missions/{id}/stream` (SPEC.md section 9): a pure function of the message, so any snapshot (live,
// replayed, or restored after a reload) gives the same view.

export interface LogLine {
  seq: number;
  ts: number;
  level: 'info' | 'error' | string;
  text: string;
}

export interface PlanStep {
  id: string;
  agent: string;
  action?: string;
  dependsOn: string[];
  condition?: string;
}

export interface StepData {
  stepId: string;
  agent: string;
  status: string;
  attempt: number;
  ts: number;
  reason?: string;
  durationMs?: number;
  model?: string;
  usage?: Usage;
  costMicros?: number;
  output?: unknown;
}

/** One SDK step of the message = one step attempt: its text, and the step it belongs to when the message says. */
export interface Attempt {
  stepId?: string;
  text: string;
  streaming: boolean;
}

export interface MissionMetadata {
  missionId?: string;
  status?: string;
  usage?: Usage;
  costMicros?: number;
  durationMs?: number;
  reason?: string;
  /** Not the server's: the console's note of the last frame id applied to this snapshot. */
  frameId?: string;
}

/** The `data-budget` part: a step waits for a hard budget (the mission is PAUSED), or they all got it. */
export interface BudgetState {
  state: 'reached' | 'resumed';
  status: string;
  budgetId?: string;
  stepId?: string;
  reason?: string;
}

export interface LiveMission {
  status: string;
  costMicros: number;
  usage?: Usage;
  durationMs?: number;
  reason?: string;
  plan: PlanStep[];
  steps: StepData[];
  attempts: Attempt[];
  log: LogLine[];
  agentCosts: Record<string, number>;
  budget?: BudgetState;
  /**
   * An agent is at work: model text is streaming, or a step is running (whose text comes with its result while the
   * job does not publish step deltas): the typing indicator.
   */
  typing: boolean;
  finished: boolean;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'BUDGET_EXCEEDED']);

export type MissionMessage = UIMessage<MissionMetadata>;

export function liveMission(message: MissionMessage | undefined): LiveMission {
  const meta = message?.metadata ?? {};
  const view: LiveMission = {
    status: meta.status ?? 'SUBMITTED',
    costMicros: meta.costMicros ?? 0,
    usage: meta.usage,
    durationMs: meta.durationMs,
    reason: meta.reason,
    plan: [],
    steps: [],
    attempts: [],
    log: [],
    agentCosts: {},
    typing: false,
    finished: FINAL.has(meta.status ?? ''),
  };
  let attempt: Attempt | undefined;
  for (const part of message?.parts ?? []) {
    switch (part.type) {
      case 'step-start':
        attempt = { text: '', streaming: false };
        view.attempts.push(attempt);
        break;
      case 'text':
        if (!attempt) {
          attempt = { text: '', streaming: false };
          view.attempts.push(attempt);
        }
        attempt.text += part.text;
        attempt.streaming ||= part.state === 'streaming';
        break;
      case 'data-step': {
        const data = part.data as StepData;
        view.steps.push(data);
        // A step's data part is written once, in its first attempt's group, and updated there in place.
        if (attempt && attempt.stepId === undefined) attempt.stepId = data.stepId;
        break;
      }
      case 'data-plan':
        view.plan = ((part.data as { steps?: PlanStep[] }).steps ?? []).map((s) => ({ ...s, dependsOn: s.dependsOn ?? [] }));
        break;
      case 'data-budget':
        view.budget = part.data as BudgetState;
        break;
      case 'data-cost':
        view.agentCosts = (part.data as { agents?: Record<string, number> }).agents ?? {};
        break;
      case 'data-log': {
        const data = part.data as { scope?: string; lines?: LogLine[] };
        if (data.scope === 'mission') view.log = data.lines ?? [];
        break;
      }
    }
  }
  view.typing = !view.finished && (view.attempts.some((a) => a.streaming) || view.steps.some((s) => s.status === 'RUNNING'));
  return view;
}

/** The text the copy button copies: the mission log, then each attempt's text under its step. */
export function transcript(view: LiveMission): string {
  const lines = view.log.map((l) => `[${l.level}] ${l.text}`);
  for (const a of view.attempts) {
    if (!a.text) continue;
    lines.push('', `## ${a.stepId ?? 'retry'}`, a.text);
  }
  lines.push('', `status: ${view.status}${view.reason ? ` (${view.reason})` : ''}`);
  return lines.join('\n');
}

/**
 * Whether a stream may resume right after this snapshot: no text part is open. The SDK's reader does not carry open
 * text parts over to a continuation, so the console only remembers snapshots where none is open (during streaming,
 * the last one before the text started; a resumed stream then sends that text again from its start).
 */
export function resumable(message: MissionMessage): boolean {
  return !message.parts.some((p) => (p.type === 'text' || p.type === 'reasoning') && p.state === 'streaming');
}
