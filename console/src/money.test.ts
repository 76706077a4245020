import { describe, expect, it } from 'vitest';
import { budgetDefinition, EMPTY_BUDGET } from './money';

describe('budgetDefinition: the budget form as PUT /api/v1/budgets/{id} takes it', () => {
  it('sends the limit as exact integer micro-credits, and only the fields its period allows', () => {
    expect(budgetDefinition({ ...EMPTY_BUDGET, budgetId: 'monthly', limit: '12.345678', period: 'month', resetDay: 15 }))
      .toEqual({ limitMicros: 12_345_678, period: 'month', resetDay: 15, mode: 'hard' });
    expect(budgetDefinition({ ...EMPTY_BUDGET, limit: '0.3', period: 'total', resetDay: 3, rollover: true, mode: 'soft' }))
      .toEqual({ limitMicros: 300_000, period: 'total', mode: 'soft' });
    expect(budgetDefinition({ ...EMPTY_BUDGET, limit: '2', period: 'week', resetDay: 7, rollover: true }))
      .toEqual({ limitMicros: 2_000_000, period: 'week', resetDay: 7, rollover: true, mode: 'hard' });
    expect(budgetDefinition({ ...EMPTY_BUDGET, limit: '1', period: 'day', agent: ' agent-scout ', model: 'gemini-2.5-flash' }))
      .toEqual({ limitMicros: 1_000_000, period: 'day', mode: 'hard', agent: 'agent-scout', model: 'gemini-2.5-flash' });
  });

  it('refuses a limit that is not an amount of credits', () => {
    expect(() => budgetDefinition({ ...EMPTY_BUDGET, limit: '5 credits' })).toThrow(/not an amount/);
    expect(() => budgetDefinition({ ...EMPTY_BUDGET, limit: '0.0000005' })).toThrow(/more than 6 decimals/);
  });
});
