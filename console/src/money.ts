// What the budget form holds and what it sends (SPEC.md section 11, "Budgets"): the limit typed in credits becomes
// integer micro-credits through parseCredits (string arithmetic, never floating point).
import type { BudgetDefinition, BudgetMode, BudgetPeriod } from './api';
import { parseCredits } from './format';

export interface BudgetForm {
  budgetId: string;
  limit: string;
  period: BudgetPeriod;
  resetDay: number;
  rollover: boolean;
  mode: BudgetMode;
  agent: string;
  model: string;
}

export const EMPTY_BUDGET: BudgetForm = { budgetId: '', limit: '', period: 'month', resetDay: 1, rollover: false, mode: 'hard', agent: '', model: '' };

/** What the form says, as `PUT /api/v1/budgets/{budgetId}` takes it; throws when the limit is not an amount. */
export function budgetDefinition(f: BudgetForm): BudgetDefinition {
  const d: BudgetDefinition = { limitMicros: parseCredits(f.limit), period: f.period, mode: f.mode };
  if (f.period === 'week' || f.period === 'month') d.resetDay = f.resetDay;
  if (f.period !== 'total' && f.rollover) d.rollover = true;
  if (f.agent.trim()) d.agent = f.agent.trim();
  if (f.model.trim()) d.model = f.model.trim();
  return d;
}
