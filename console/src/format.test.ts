import { describe, expect, it } from 'vitest';
import { exactCredits, parseCredits } from './format';

describe('parseCredits: credits typed by a user into integer micro-credits, exactly', () => {
  it.each([
    ['5', 5_000_000],
    ['0', 0],
    ['12.5', 12_500_000],
    ['12.345678', 12_345_678],
    ['0.000001', 1],
    ['.5', 500_000],
    ['3.', 3_000_000],
    ['  7.25  ', 7_250_000],
    ['1,000.25', 1_000_250_000],
    ['1_000', 1_000_000_000],
    ['0.1', 100_000],
    ['0.7', 700_000],
    // where binary floating point goes wrong: 1.005 * 1e6 = 1004999.9999999999, 4.35 * 1e6 = 4349999.999999999
    ['1.005', 1_005_000],
    ['4.35', 4_350_000],
    ['9007199254.740991', Number.MAX_SAFE_INTEGER],
  ])('%s credits = %d micro-credits', (input, micros) => {
    expect(parseCredits(input)).toBe(micros);
    expect(Number.isSafeInteger(parseCredits(input))).toBe(true);
  });

  it.each([
    ['', /enter an amount/],
    ['   ', /enter an amount/],
    ['-1', /negative/],
    ['abc', /not an amount/],
    ['1e6', /not an amount/],
    ['1.2.3', /not an amount/],
    ['.', /not an amount/],
    ['12,34', /not an amount/],
    ['0x10', /not an amount/],
    ['Infinity', /not an amount/],
    ['1.0000001', /more than 6 decimals/],
    ['9007199254.740992', /too large/],
    ['99999999999999999999', /too large/],
  ])('%j is refused with a clear message', (input, message) => {
    expect(() => parseCredits(input)).toThrow(message);
  });
});

describe('exactCredits: integer micro-credits as credits, every decimal kept', () => {
  it.each([
    [0, '0'],
    [1, '0.000001'],
    [5_000_000, '5'],
    [12_345_678, '12.345678'],
    [1_000_250_000, '1,000.25'],
    [-1_500, '-0.0015'],
    [-2_000_000, '-2'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254.740991'],
  ])('%d micro-credits = %s credits', (micros, text) => {
    expect(exactCredits(micros)).toBe(text);
  });

  it('says nothing for a missing amount', () => {
    expect(exactCredits(null)).toBe('—');
    expect(exactCredits(undefined)).toBe('—');
  });

  it('round-trips every amount it formats', () => {
    for (const m of [0, 1, 10, 999_999, 1_000_000, 1_000_001, 123_456_789_012, Number.MAX_SAFE_INTEGER]) {
      expect(parseCredits(exactCredits(m))).toBe(m);
    }
  });
});
